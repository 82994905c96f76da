"""In-memory Partner Center tenant state: customers, users, validation, paging. No HTTP here.

Users keep the camelCase field names of the API. Users loaded from recorded fixtures keep their
recorded fields untouched until a write changes them; a single-user fixture also keeps its raw
bytes so GET by id can serve it byte for byte.
"""

from __future__ import annotations

import base64
import bisect
import copy
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
import uuid

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

ACTIVE = "active"
INACTIVE = "inactive"

# Partner Center error codes (section 5.2 of the reference); 3000 is also used for the undocumented cases.
INVALID_PROPERTY = 3000
USER_NOT_FOUND = 60002
TENANT_NOT_FOUND = 60003

DUPLICATE_UPN = "Another object with the same value for property userPrincipalName already exists."
WEAK_PASSWORD = ("passwordProfile.password: The specified password does not comply with password complexity requirements. "
                 "Please provide a different password.")

# The order the service serializes a CustomerUser in (recorded fixtures and doc samples).
FIELD_ORDER = ("usageLocation", "id", "userPrincipalName", "firstName", "lastName", "displayName", "immutableId",
               "phoneNumber", "passwordProfile", "lastDirectorySyncTime", "userDomainType", "state", "softDeletionTime")
_CANONICAL = dict((k.lower(), k) for k in FIELD_ORDER + ("links", "attributes"))
_STRING_FIELDS = {"firstName": 64, "lastName": 64, "immutableId": 256, "phoneNumber": 64}

# Entra ID: the user name part may hold A-Z a-z 0-9 ' . - _ ! # ^ ~, no leading, trailing or double period.
_UPN_LOCAL = re.compile(r"^[A-Za-z0-9'_!#^~-]+(\.[A-Za-z0-9'_!#^~-]+)*$")
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
# Entra ID allows printable ASCII (space included) in passwords.
_PASSWORD_CHARS = re.compile(r"^[\x20-\x7e]*$")


class StoreError(Exception):
    """A business failure; `code` is the Partner Center error code, mapped to a status by the API layer."""

    def __init__(self, code, description):
        super(StoreError, self).__init__(description)
        self.code = code
        self.description = description


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def password_problem(password):
    """None when the password meets the Entra ID default policy, else why not (never echoing it)."""
    if not isinstance(password, str) or not password:
        return "passwordProfile.password: The password is required."
    if not 8 <= len(password) <= 256 or not _PASSWORD_CHARS.match(password):
        return WEAK_PASSWORD
    classes = [any(c.islower() for c in password), any(c.isupper() for c in password),
               any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    if sum(classes) < 3:
        return WEAK_PASSWORD
    return None


def _err(description):
    return StoreError(INVALID_PROPERTY, description)


def _canonical_keys(body, what="The request body"):
    """Keys bind case-insensitively, as the service accepts the doc's PascalCase restore sample."""
    if not isinstance(body, dict):
        raise _err("%s must be a JSON object." % what)
    out = {}
    for key, value in body.items():
        out[_CANONICAL.get(str(key).lower(), key)] = value
    return out


def _password_profile(value):
    if not isinstance(value, dict):
        raise _err("passwordProfile: must be an object with password and forceChangePassword.")
    out = {}
    for key, item in value.items():
        low = str(key).lower()
        if low == "password":
            out["password"] = item
        elif low == "forcechangepassword":
            if not isinstance(item, bool):
                raise _err("passwordProfile.forceChangePassword: must be true or false.")
            out["forceChangePassword"] = item
    return out


def _check_object_type(body):
    attributes = body.get("attributes")
    if attributes is None:
        return
    if not isinstance(attributes, dict):
        raise _err("attributes: must be an object.")
    for key, value in attributes.items():
        if str(key).lower() == "objecttype" and str(value).lower() != "customeruser":
            raise _err("attributes.objectType: expected 'CustomerUser', got %r." % (value,))


def _string(body, name, required=False, max_len=256):
    value = body.get(name)
    if value is None:
        if required:
            raise _err("%s: The property is required." % name)
        return None
    if not isinstance(value, str):
        raise _err("%s: must be a string." % name)
    if required and not value.strip():
        raise _err("%s: The property is required." % name)
    if len(value) > max_len:
        raise _err("%s: must be at most %d characters." % (name, max_len))
    return value


def _usage_location(value):
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise _err("usageLocation: must be a two-letter ISO 3166-1 country code, got %r." % (value,))
    return value.upper()


class User(object):
    """One CustomerUser plus the bookkeeping the API never returns."""

    __slots__ = ("seq", "cid", "fields", "links", "attributes", "raw", "password_hash", "password_changes",
                 "force_change_password")

    def __init__(self, seq, cid, fields, links=None, attributes=None, raw=None):
        self.seq = seq
        self.cid = cid
        self.fields = fields
        self.links = links
        self.attributes = attributes
        self.raw = raw
        self.password_hash = None
        self.password_changes = 0
        self.force_change_password = False

    @property
    def id(self):
        return self.fields["id"]

    @property
    def upn(self):
        return self.fields["userPrincipalName"]

    @property
    def state(self):
        return self.fields.get("state", ACTIVE)

    def touched(self):
        """A write happened: the recorded bytes no longer describe this user."""
        self.raw = None

    def render(self, password_profile=None, nulls=False, links=True):
        out = {}
        for key in FIELD_ORDER:
            if key == "passwordProfile":
                if password_profile is not None:
                    out[key] = password_profile
            elif key in self.fields:
                out[key] = self.fields[key]
            elif nulls and key in ("lastDirectorySyncTime", "softDeletionTime"):
                out[key] = None
        for key, value in self.fields.items():
            if key not in out and key not in _CANONICAL.values():
                out[key] = value
        if links:
            out["links"] = self.links or {"self": {"uri": "/customers/%s/users/%s" % (self.cid, self.id), "method": "GET", "headers": []}}
        out["attributes"] = self.attributes or {"objectType": "CustomerUser"}
        return out


class Customer(object):
    __slots__ = ("id", "domains", "users", "upns", "seqs")

    def __init__(self, cid, domains):
        self.id = cid
        self.domains = [d.lower() for d in domains]
        self.users = {}             # id (lower) -> User
        self.upns = {}              # upn (lower) -> User, active and soft-deleted alike
        self.seqs = {ACTIVE: [], INACTIVE: []}   # sorted creation sequence numbers per state


class Store(object):
    """Thread-safe: every public method takes the lock; page work is O(log n + page size)."""

    def __init__(self, fixtures_dir=None):
        self.fixtures_dir = fixtures_dir
        self._lock = threading.RLock()
        self._salt = secrets.token_bytes(16)
        self._token_key = secrets.token_bytes(32)
        self._customers = {}
        self._by_seq = {}
        self._seq = 0

    # ---- seeding -------------------------------------------------------------------------

    def load_seed(self, seed):
        """Replace the whole state with the customers of a seed document."""
        with self._lock:
            self._customers = {}
            self._by_seq = {}
            self._seq = 0
            for entry in seed.get("customers", []):
                self.add_customer(entry["id"], entry.get("domains", []))
                for name in entry.get("users_from_fixtures", []):
                    self._load_fixture(entry["id"], name)
                self.add_users(entry["id"], entry.get("users", []))

    def _load_fixture(self, cid, name):
        path = name if os.path.isabs(name) else os.path.join(self.fixtures_dir or "", name)
        with open(path, "rb") as handle:
            raw = handle.read()
        body = json.loads(raw.decode("utf-8-sig"))
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            self.add_users(cid, body["items"])
        else:
            user = self.add_users(cid, [body])[0]
            user.raw = raw

    def add_customer(self, cid, domains):
        with self._lock:
            if not isinstance(cid, str) or not cid:
                raise _err("id: a customer id is required.")
            if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and _DOMAIN.match(d) for d in domains):
                raise _err("domains: a non-empty list of domain names is required.")
            key = cid.lower()
            if key in self._customers:
                raise _err("id: customer %s already exists." % cid)
            self._customers[key] = Customer(cid, domains)
            return cid

    def add_users(self, cid, items):
        """Seed users as given (recorded or admin-supplied objects); only identity is checked."""
        with self._lock:
            customer = self._customer(cid)
            if not isinstance(items, list):
                raise _err("users: must be a list.")
            added = []
            for item in items:
                body = dict(item) if isinstance(item, dict) else None
                if body is None or not isinstance(body.get("userPrincipalName"), str) or "@" not in body["userPrincipalName"]:
                    raise _err("users: every user needs a userPrincipalName.")
                links = body.pop("links", None)
                attributes = body.pop("attributes", None)
                profile = body.pop("passwordProfile", None)
                body.setdefault("id", str(uuid.uuid4()))
                body.setdefault("state", ACTIVE)
                if body["id"].lower() in customer.users or body["userPrincipalName"].lower() in customer.upns:
                    raise _err("users: duplicate id or userPrincipalName %s." % body["userPrincipalName"])
                if body["state"] not in (ACTIVE, INACTIVE):
                    raise _err("users: state must be active or inactive.")
                if body["state"] == INACTIVE:
                    body.setdefault("softDeletionTime", now_iso())
                user = self._insert(customer, body, links, attributes)
                if isinstance(profile, dict) and isinstance(profile.get("password"), str):
                    self._set_password(user, profile["password"], bool(profile.get("forceChangePassword", False)))
                    user.password_changes = 0
                added.append(user)
            return added

    def generate_users(self, cid, count, prefix="bulk", state=ACTIVE, domain=None):
        """Complete, valid users named <prefix><n>@<domain>, numbered after any already there."""
        with self._lock:
            customer = self._customer(cid)
            if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= 100000:
                raise _err("count: must be an integer between 1 and 100000.")
            if not isinstance(prefix, str) or not _UPN_LOCAL.match(prefix):
                raise _err("prefix: must be a valid user name prefix.")
            domain = (domain or customer.domains[0]).lower()
            if domain not in customer.domains:
                raise _err("domain: %s is not a domain of the customer." % domain)
            number = 0
            made = []
            while len(made) < count:
                number += 1
                upn = "%s%05d@%s" % (prefix, number, domain)
                if upn in customer.upns:
                    continue
                fields = {"usageLocation": "US", "id": str(uuid.uuid4()), "userPrincipalName": upn,
                          "firstName": prefix.capitalize(), "lastName": "User%05d" % number,
                          "displayName": "%s User%05d" % (prefix.capitalize(), number), "userDomainType": "none", "state": state}
                if state == INACTIVE:
                    fields["softDeletionTime"] = now_iso()
                made.append(self._insert(customer, fields))
            return made

    def _insert(self, customer, fields, links=None, attributes=None):
        self._seq += 1
        user = User(self._seq, customer.id, fields, links, attributes)
        customer.users[user.id.lower()] = user
        customer.upns[user.upn.lower()] = user
        customer.seqs[user.state].append(user.seq)  # new sequence numbers are always the largest
        self._by_seq[user.seq] = user
        return user

    # ---- lookups -------------------------------------------------------------------------

    def _customer(self, cid):
        customer = self._customers.get(str(cid).lower())
        if customer is None:
            raise StoreError(TENANT_NOT_FOUND, "Tenant not found")
        return customer

    def _user(self, cid, uid, state=ACTIVE):
        user = self._customer(cid).users.get(str(uid).lower())
        if user is None or (state is not None and user.state != state):
            raise StoreError(USER_NOT_FOUND, "User object Id is not found")
        return user

    def customer_ids(self):
        with self._lock:
            return [c.id for c in self._customers.values()]

    def has_customer(self, cid):
        with self._lock:
            return str(cid).lower() in self._customers

    def get_user(self, cid, uid):
        """An active user: (rendered dict, recorded bytes or None)."""
        with self._lock:
            user = self._user(cid, uid)
            return user.render(), user.raw

    def find_user(self, cid, upn=None, uid=None):
        """Admin view of one user, active or soft-deleted, or None."""
        with self._lock:
            customer = self._customer(cid)
            user = customer.upns.get(upn.lower()) if upn else customer.users.get(str(uid).lower())
            return self._admin_view(user) if user else None

    def admin_users(self, cid):
        with self._lock:
            customer = self._customer(cid)
            users = sorted(customer.users.values(), key=lambda u: u.seq)
            return [self._admin_view(u) for u in users]

    def count(self, cid, state=None):
        with self._lock:
            customer = self._customer(cid)
            if state is None:
                return len(customer.users)
            return len(customer.seqs[state])

    def password_matches(self, cid, uid, password):
        with self._lock:
            user = self._user(cid, uid, state=None)
            return user.password_hash is not None and hmac.compare_digest(user.password_hash, self._hash(password))

    @staticmethod
    def _admin_view(user):
        view = copy.deepcopy(user.render())   # callers may mutate it; the store's dicts must not change
        view["passwordChanges"] = user.password_changes
        view["forceChangePassword"] = user.force_change_password
        return view

    # ---- writes --------------------------------------------------------------------------

    def create_user(self, cid, body):
        with self._lock:
            customer = self._customer(cid)
            body = _canonical_keys(body)
            upn = self._valid_upn(customer, body.get("userPrincipalName"))
            display = _string(body, "displayName", required=True)
            profile = _password_profile(body.get("passwordProfile") or {})
            problem = password_problem(profile.get("password"))
            if problem:
                raise _err(problem)
            usage = _usage_location(body["usageLocation"]) if body.get("usageLocation") is not None else None
            extra = dict((name, _string(body, name, max_len=size)) for name, size in _STRING_FIELDS.items())
            _check_object_type(body)
            if upn.lower() in customer.upns:
                raise _err(DUPLICATE_UPN)
            fields = {}
            if usage:
                fields["usageLocation"] = usage
            fields["id"] = str(uuid.uuid4())
            fields["userPrincipalName"] = upn
            for name in ("firstName", "lastName"):
                if extra[name] is not None:
                    fields[name] = extra[name]
            fields["displayName"] = display
            for name in ("immutableId", "phoneNumber"):
                if extra[name] is not None:
                    fields[name] = extra[name]
            fields["userDomainType"] = "none"
            fields["state"] = ACTIVE
            user = self._insert(customer, fields)
            force = profile.get("forceChangePassword", False)
            self._set_password(user, profile["password"], force)
            echo = {"forceChangePassword": force, "password": profile["password"]}
            return user.render(password_profile=echo, nulls=True, links=False)

    def update_user(self, cid, uid, body):
        """Partial update; on a soft-deleted user only {"state": "active"} (restore) is accepted.

        Returns (rendered user, restored?)."""
        with self._lock:
            customer = self._customer(cid)
            body = _canonical_keys(body)
            user = self._user(cid, uid, state=None)
            wanted_state = body.get("state")
            if user.state == INACTIVE:
                if isinstance(wanted_state, str) and wanted_state.lower() == ACTIVE:
                    return self._restore(customer, user), True
                raise StoreError(USER_NOT_FOUND, "User object Id is not found")
            if wanted_state is not None and not (isinstance(wanted_state, str) and wanted_state.lower() == ACTIVE):
                raise _err("state: only 'active' can be set (use DELETE to delete a user).")
            changes = self._validated_changes(customer, user, body)
            profile = _password_profile(body["passwordProfile"]) if body.get("passwordProfile") is not None else {}
            if "password" in profile:
                problem = password_problem(profile["password"])
                if problem:
                    raise _err(problem)
            _check_object_type(body)
            self._apply(customer, user, changes)
            echo = None
            if "password" in profile:
                force = profile.get("forceChangePassword", False)
                self._set_password(user, profile["password"], force)
                echo = {"forceChangePassword": force, "password": profile["password"]}
            elif "forceChangePassword" in profile:
                user.force_change_password = profile["forceChangePassword"]
            user.touched()
            return user.render(password_profile=echo), False

    def reset_password(self, cid, uid, body):
        with self._lock:
            body = _canonical_keys(body)
            user = self._user(cid, uid)
            if body.get("passwordProfile") is None:
                raise _err("passwordProfile: The property is required.")
            profile = _password_profile(body["passwordProfile"])
            problem = password_problem(profile.get("password"))
            if problem:
                raise _err(problem)
            _check_object_type(body)
            force = profile.get("forceChangePassword", False)
            self._set_password(user, profile["password"], force)
            user.touched()
            return user.render(password_profile={"forceChangePassword": force, "password": profile["password"]})

    def delete_user(self, cid, uid):
        with self._lock:
            customer = self._customer(cid)
            user = self._user(cid, uid)
            self._move(customer, user, INACTIVE)
            user.fields["state"] = INACTIVE
            user.fields["softDeletionTime"] = now_iso()
            user.touched()

    def _restore(self, customer, user):
        holder = customer.upns.get(user.upn.lower())
        if holder is not None and holder is not user:
            raise _err(DUPLICATE_UPN)
        self._move(customer, user, ACTIVE)
        user.fields["state"] = ACTIVE
        user.fields.pop("softDeletionTime", None)
        user.touched()
        return user.render()

    def _validated_changes(self, customer, user, body):
        """Every present key checked before anything changes: a PATCH applies whole or not at all."""
        changes = {}
        if "userPrincipalName" in body:
            upn = self._valid_upn(customer, body["userPrincipalName"])
            holder = customer.upns.get(upn.lower())
            if holder is not None and holder is not user:
                raise _err(DUPLICATE_UPN)
            changes["userPrincipalName"] = upn
        if "displayName" in body:
            changes["displayName"] = _string(body, "displayName", required=True)
        if "usageLocation" in body:
            value = body["usageLocation"]
            changes["usageLocation"] = None if value is None or value == "" else _usage_location(value)
        for name, size in _STRING_FIELDS.items():
            if name in body:
                changes[name] = _string(body, name, max_len=size)
        return changes

    def _apply(self, customer, user, changes):
        if "userPrincipalName" in changes:
            del customer.upns[user.upn.lower()]
            customer.upns[changes["userPrincipalName"].lower()] = user
        fields = dict(user.fields)
        for name, value in changes.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        # Re-apply the wire order so a newly added field lands where the service puts it.
        ordered = dict((k, fields[k]) for k in FIELD_ORDER if k in fields)
        ordered.update((k, v) for k, v in fields.items() if k not in ordered)
        user.fields = ordered

    def _move(self, customer, user, state):
        source = customer.seqs[user.state]
        index = bisect.bisect_left(source, user.seq)
        if index < len(source) and source[index] == user.seq:
            del source[index]
        bisect.insort(customer.seqs[state], user.seq)

    def _valid_upn(self, customer, upn):
        if upn is None or upn == "":
            raise _err("userPrincipalName: The property is required.")
        if not isinstance(upn, str) or upn.count("@") != 1:
            raise _err("userPrincipalName: %r is not a valid user principal name." % (upn,))
        local, domain = upn.split("@")
        if not local or len(local) > 64 or not _UPN_LOCAL.match(local) or not _DOMAIN.match(domain):
            raise _err("userPrincipalName: %r is not a valid user principal name." % (upn,))
        if domain.lower() not in customer.domains:
            raise _err("userPrincipalName: The domain portion of the userPrincipalName property is invalid. "
                       "%s is not a verified domain of the customer tenant." % domain)
        return upn

    def _hash(self, password):
        return hashlib.sha256(self._salt + password.encode("utf-8")).hexdigest()

    def _set_password(self, user, password, force):
        # Only a salted hash is kept, enough for tests to check which password was set.
        user.password_hash = self._hash(password)
        user.password_changes += 1
        user.force_change_password = bool(force)

    # ---- paging --------------------------------------------------------------------------

    def page(self, cid, state, size=None, token=None):
        """One page of users in creation order: (items, next continuation token or None, state, size).

        With a token, the state and default size come from it; a token of another customer or
        listing is rejected."""
        with self._lock:
            customer = self._customer(cid)
            after = 0
            if token is not None:
                data = self._decode_token(token)
                if data.get("c") != customer.id.lower() or (state is not None and data.get("s") != state):
                    raise _err("MS-ContinuationToken: the continuation token does not belong to this listing.")
                state, after = data["s"], data["a"]
                size = size or data["n"]
            state = state or ACTIVE
            size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
            seqs = customer.seqs[state]
            start = bisect.bisect_right(seqs, after)
            chosen = seqs[start:start + size]
            items = [self._by_seq[s].render() for s in chosen]
            next_token = None
            if start + size < len(seqs):
                next_token = self._encode_token({"c": customer.id.lower(), "s": state, "a": chosen[-1], "n": size})
            return items, next_token, state, size

    def _encode_token(self, data):
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode("ascii")).rstrip(b"=")
        mac = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
        return (payload + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode("ascii")

    def _decode_token(self, token):
        try:
            payload, mac = token.encode("ascii").split(b".")
            expected = base64.urlsafe_b64encode(hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]).rstrip(b"=")
            if not hmac.compare_digest(mac, expected):
                raise ValueError("bad mac")
            data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
            if data.get("s") not in (ACTIVE, INACTIVE) or not isinstance(data.get("a"), int) or not isinstance(data.get("n"), int):
                raise ValueError("bad token")
            return data
        except (ValueError, UnicodeError, TypeError):
            raise _err("MS-ContinuationToken: the continuation token is invalid or expired.")
