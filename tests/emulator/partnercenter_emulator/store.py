"""In-memory Partner Center state: customers, users, subscribed SKUs, directory roles, validation, paging. No HTTP here.

Users keep the camelCase field names of the API. Users loaded from recorded fixtures keep their
recorded fields untouched until a write changes them; a single-user fixture also keeps its raw
bytes so GET by id can serve it byte for byte. A SKU list loaded from one recorded fixture keeps
its raw bytes the same way.
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

from . import catalog
from .directory_roles import DirectoryRole, parse_user_member
from .errors import (INVALID_PROPERTY, LICENSE_QUOTA_EXCEEDED, TENANT_NOT_FOUND, USER_NOT_FOUND,  # noqa: F401  pylint: disable=unused-import
                     StoreError, invalid, not_found)
from .licensing import DEFAULT_LICENSE_GROUPS, LICENSE_GROUPS, SubscribedSku, parse_license_update

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

ACTIVE = "active"
INACTIVE = "inactive"
CUSTOMERS_LISTING = "customers"
CUSTOMER_FILTER_FIELDS = {"domain": "Domain", "companyname": "CompanyName"}
# How a soft-deleted user is listed: "renamed" (Entra ID: the id without hyphens before the name, the name freed;
# real-service-facts.md section 1) or "plain" (the name kept, and still taken).
DELETED_UPN_MODES = ("renamed", "plain")

DUPLICATE_UPN = "Another object with the same value for property userPrincipalName already exists."
WEAK_PASSWORD = ("passwordProfile.password: The specified password does not comply with password complexity requirements. "
                 "Please provide a different password.")
ALREADY_MEMBER = "One or more added object references already exist for the following modified properties: 'members'."
INVALID_USAGE_LOCATION = "License assignment cannot be done for user with invalid usage location."
# The documented sample, HTML entity included.
OUT_OF_LICENSES = "We&#39;re sorry, it looks like you've run out of licenses. Buy more licenses, and then try again."

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
_CUSTOMER_NAMESPACE = uuid.UUID("3f1c5a62-3d0e-4f54-9a36-8f0b6f1f2c11")


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


_err = invalid


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
                 "force_change_password", "licenses", "deleted_as")

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
        self.licenses = {}   # SKU id (lower) -> excluded service plan ids or None, in assignment order
        self.deleted_as = None   # while soft-deleted by a DELETE: (original upn, role keys, licences) for the restore

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
    __slots__ = ("id", "seq", "domains", "company_name", "relationship", "users", "upns", "seqs", "skus", "skus_raw", "roles")

    def __init__(self, cid, seq, domains, company_name, relationship, roles):
        self.id = cid
        self.seq = seq
        self.domains = [d.lower() for d in domains]
        self.company_name = company_name
        self.relationship = relationship
        self.users = {}             # id (lower) -> User
        self.upns = {}              # upn (lower) -> User, active and soft-deleted alike
        self.seqs = {ACTIVE: [], INACTIVE: []}   # sorted creation sequence numbers per state
        self.skus = {}              # SKU id (lower) -> SubscribedSku, in the order added
        self.skus_raw = None        # (licence groups asked or None, recorded bytes) of the SKU list while it is as recorded
        self.roles = roles          # role id (lower) -> DirectoryRole, in tenant order

    def render(self):
        return {"id": self.id,
                "companyProfile": {"tenantId": self.id, "domain": self.domains[0], "companyName": self.company_name,
                                   "attributes": {"objectType": "CustomerCompanyProfile"}},
                "relationshipToPartner": self.relationship, "allowDelegatedAccess": True, "attributes": {"objectType": "Customer"}}

    def matches(self, customer_filter):
        """customer_filter: None, or (field, value) with field "domain" or "companyname" and value lower case."""
        if customer_filter is None:
            return True
        field, value = customer_filter
        subject = self.domains[0] if field == "domain" else self.company_name
        return subject.lower().startswith(value)


def _company_name(domain):
    label = domain.split(".", 1)[0]
    return label[:1].upper() + label[1:]


def _directory_roles(roles):
    """role id (lower) -> DirectoryRole from [{"name", "id"}]; a known role may leave out its id."""
    known = dict((name.lower(), role_id) for name, role_id in catalog.DEFAULT_DIRECTORY_ROLES)
    if not isinstance(roles, list):
        raise _err("directory_roles: must be a list of {\"name\", \"id\"} objects.")
    out = {}
    for entry in roles:
        if not isinstance(entry, dict):
            raise _err("directory_roles: must be a list of {\"name\", \"id\"} objects.")
        name = entry.get("name")
        role = DirectoryRole(name, entry.get("id") or known.get(str(name).lower()))
        if role.key in out:
            raise _err("directory_roles: role id %s appears twice." % role.id)
        out[role.key] = role
    return out


class Store(object):
    """Thread-safe: every public method takes the lock; page work is O(log n + page size)."""

    def __init__(self, fixtures_dir=None):
        self.fixtures_dir = fixtures_dir
        self._lock = threading.RLock()
        self._salt = secrets.token_bytes(16)
        self._token_key = secrets.token_bytes(32)
        self._customers = {}
        self._customer_seqs = []
        self._customer_by_seq = {}
        self._by_seq = {}
        self._seq = 0
        self._member_seq = 0
        self.deleted_upn = "renamed"        # DELETED_UPN_MODES
        # Guesses (LEDGER.md, "seats of a soft-deleted user"): a soft-deleted user keeps its licences and their seats;
        # with deleted_users_keep_licenses off the delete releases them, and restore_licenses gives them back.
        self.deleted_users_keep_licenses = True
        self.restore_licenses = False

    # ---- seeding -------------------------------------------------------------------------

    def load_seed(self, seed):
        """Replace the whole state with the customers of a seed document."""
        with self._lock:
            self._customers = {}
            self._customer_seqs = []
            self._customer_by_seq = {}
            self._by_seq = {}
            self._seq = 0
            self._member_seq = 0
            for entry in seed.get("customers", []):
                self._load_customer(entry)
            if seed.get("generate_customers"):
                spec = seed["generate_customers"]
                if not isinstance(spec, dict):
                    raise _err("generate_customers: must be an object with count and optional prefix, users_per_customer, ...")
                self.generate_customers(**spec)

    def _load_customer(self, entry):
        cid = entry["id"]
        self.add_customer(cid, entry.get("domains", []), entry.get("company_name"), entry.get("relationship"),
                          entry.get("directory_roles"))
        for name in entry.get("subscribed_skus_from_fixtures", []):
            self.load_subscribed_skus_fixture(cid, name)
        for sku in entry.get("subscribed_skus", []):
            self.add_subscribed_sku(cid, sku)
        for name in entry.get("users_from_fixtures", []):
            self._load_fixture(cid, name)
        self.add_users(cid, entry.get("users", []))
        members = entry.get("role_members") or {}
        if not isinstance(members, dict):
            raise _err("role_members: must be an object of role id or name -> list of userPrincipalNames or ids.")
        for role, users in members.items():
            for user in users:
                self.add_role_member(cid, role, user)

    def _fixture_bytes(self, name):
        path = name if os.path.isabs(name) else os.path.join(self.fixtures_dir or "", name)
        with open(path, "rb") as handle:
            return handle.read()

    def _load_fixture(self, cid, name):
        raw = self._fixture_bytes(name)
        body = json.loads(raw.decode("utf-8-sig"))
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            self.add_users(cid, body["items"])
        else:
            user = self.add_users(cid, [body])[0]
            user.raw = raw

    def add_customer(self, cid, domains, company_name=None, relationship=None, directory_roles=None):
        """A new customer (its id is its tenant id); company name defaults to the first domain's first label, capitalised."""
        with self._lock:
            if not isinstance(cid, str) or not cid:
                raise _err("id: a customer id is required.")
            if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and _DOMAIN.match(d) for d in domains):
                raise _err("domains: a non-empty list of domain names is required.")
            if company_name is not None and (not isinstance(company_name, str) or not company_name.strip()):
                raise _err("company_name: must be a non-empty string.")
            if relationship is not None and (not isinstance(relationship, str) or not relationship):
                raise _err("relationship: must be a string such as reseller or advisor.")
            key = cid.lower()
            if key in self._customers:
                raise _err("id: customer %s already exists." % cid)
            roles = _directory_roles(catalog.default_directory_roles() if directory_roles is None else directory_roles)
            self._seq += 1
            customer = Customer(cid, self._seq, domains, company_name or _company_name(domains[0].lower()),
                                relationship or "reseller", roles)
            self._customers[key] = customer
            self._customer_seqs.append(customer.seq)   # new sequence numbers are always the largest
            self._customer_by_seq[customer.seq] = customer
            return cid

    def generate_customers(self, count, prefix="customer", users_per_customer=0, subscribed_skus=False, relationship=None):
        """Customers <prefix>NNNNN.onmicrosoft.com, "<Prefix> NNNNN Ltd", numbered after any already there.

        Ids are GUIDs derived from the domain. subscribed_skus: False (none), True (the default SKU
        set) or a list of SKUs in API shape. Returns the new ids."""
        with self._lock:
            if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= 100000:
                raise _err("count: must be an integer between 1 and 100000.")
            if not isinstance(prefix, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", prefix):
                raise _err("prefix: must be lower-case letters, digits and hyphens.")
            if not isinstance(users_per_customer, int) or isinstance(users_per_customer, bool) or not 0 <= users_per_customer <= 10000:
                raise _err("users_per_customer: must be an integer between 0 and 10000.")
            if subscribed_skus is True:
                skus = catalog.default_subscribed_skus()
            elif subscribed_skus in (False, None):
                skus = []
            elif isinstance(subscribed_skus, list):
                skus = subscribed_skus
            else:
                raise _err("subscribed_skus: must be true, false or a list of SKUs.")
            taken = set(d for c in self._customers.values() for d in c.domains[:1])
            number = 0
            made = []
            while len(made) < count:
                number += 1
                domain = "%s%05d.onmicrosoft.com" % (prefix, number)
                cid = str(uuid.uuid5(_CUSTOMER_NAMESPACE, domain))
                if domain in taken or cid in self._customers:
                    continue
                name = "%s %05d Ltd" % (prefix[:1].upper() + prefix[1:], number)
                self.add_customer(cid, [domain], name, relationship)
                for sku in skus:
                    self.add_subscribed_sku(cid, sku)
                if users_per_customer:
                    self.generate_users(cid, users_per_customer, prefix="user")
                made.append(cid)
            return made

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
                licenses = body.pop("licenses", None) or []
                if not isinstance(licenses, list):
                    raise _err("users: licenses must be a list of SKU ids or skuPartNumbers.")
                skus = [self._sku(customer, name, by_part_number=True) for name in licenses]
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
                for sku in skus:
                    if user.state == ACTIVE and sku.key not in user.licenses:
                        self._check_seat(customer, sku)
                        self._grant(customer, user, sku, None)
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

    def _sku(self, customer, sku_id, by_part_number=False, what="skuId"):
        sku = customer.skus.get(str(sku_id).lower())
        if sku is None and by_part_number:
            sku = next((k for k in customer.skus.values() if str(k.part_number).lower() == str(sku_id).lower()), None)
        if sku is None:
            raise _err("%s: the customer has no subscription for SKU %s." % (what, sku_id))
        return sku

    def _role(self, customer, role_id, by_name=False):
        role = customer.roles.get(str(role_id).lower())
        if role is None and by_name:
            role = next((r for r in customer.roles.values() if r.name.lower() == str(role_id).lower()), None)
        if role is None:
            raise not_found("Directory role %s was not found in the customer tenant: it does not exist or is not activated "
                            "in this tenant." % role_id)
        return role

    def _user_by_id_or_upn(self, customer, user):
        found = customer.users.get(str(user).lower()) or customer.upns.get(str(user).lower())
        if found is None or found.state != ACTIVE:
            raise StoreError(USER_NOT_FOUND, "User object Id is not found")
        return found

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
            if user is None and upn:   # a user renamed by its soft delete, by the name it had (the latest deleted)
                renamed = [u for u in customer.users.values() if u.deleted_as and u.deleted_as[0].lower() == upn.lower()]
                user = max(renamed, key=lambda u: u.seq) if renamed else None
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

    def _admin_view(self, user):
        view = copy.deepcopy(user.render())   # callers may mutate it; the store's dicts must not change
        view["passwordChanges"] = user.password_changes
        view["forceChangePassword"] = user.force_change_password
        customer = self._customers[user.cid.lower()]
        view["licenses"] = [customer.skus[k].id for k in user.licenses]
        view["directoryRoles"] = [r.id for r in customer.roles.values() if r.has(user)]
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
            # Entra releases a deleted user's role memberships, and the restore gives them back (practical365.com).
            # Its licences stay with their seats unless deleted_users_keep_licenses is off; then the restore gives
            # them back only with restore_licenses (both undocumented).
            roles = [role.key for role in customer.roles.values() if role.has(user)]
            user.deleted_as = (user.upn, roles, dict(user.licenses))
            if not self.deleted_users_keep_licenses:
                for key in list(user.licenses):
                    self._release(customer, user, customer.skus[key])
            for role in customer.roles.values():
                role.remove(user)
            if self.deleted_upn == "renamed":
                self._rename(customer, user, user.id.replace("-", "") + user.upn)

    def _rename(self, customer, user, upn):
        del customer.upns[user.upn.lower()]
        customer.upns[upn.lower()] = user
        user.fields["userPrincipalName"] = upn

    def _restore(self, customer, user):
        upn, roles, licenses = user.deleted_as or (user.upn, [], {})
        holder = customer.upns.get(upn.lower())
        if holder is not None and holder is not user:
            raise _err(DUPLICATE_UPN)
        if upn != user.upn:
            self._rename(customer, user, upn)
        self._move(customer, user, ACTIVE)
        user.fields["state"] = ACTIVE
        user.fields.pop("softDeletionTime", None)
        user.deleted_as = None
        for key in roles:
            role = customer.roles.get(key)
            if role is not None and not role.has(user):
                self._member_seq += 1
                role.add(user, self._member_seq)
        if self.restore_licenses:
            for key, excluded in licenses.items():   # as Entra tries to: each SKU that still has a seat
                sku = customer.skus.get(key)
                if key not in user.licenses and sku is not None and sku.available >= 1:
                    self._grant(customer, user, sku, excluded)
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

    # ---- subscribed SKUs and licences --------------------------------------------------

    def add_subscribed_sku(self, cid, sku):
        """Add a SKU (API shape; consumedUnits, if given, is a baseline of seats used outside the emulator).

        A SKU id the customer already has is replaced, keeping who holds it. Returns the SKU as served."""
        with self._lock:
            customer = self._customer(cid)
            new = SubscribedSku(sku)
            old = customer.skus.get(new.key)
            if old is not None:
                new.holders = old.holders
            customer.skus[new.key] = new
            customer.skus_raw = None
            return copy.deepcopy(new.render())

    def load_subscribed_skus_fixture(self, cid, name):
        """The SKUs of a recorded subscribedskus body, with their recorded consumedUnits as the baseline.

        When they are the customer's first SKUs, the recorded bytes are served until anything changes."""
        with self._lock:
            customer = self._customer(cid)
            raw = self._fixture_bytes(name)
            body = json.loads(raw.decode("utf-8-sig"))
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise _err("subscribed_skus_from_fixtures: %s is not a Collection body." % name)
            pristine = not customer.skus
            for item in body["items"]:
                self.add_subscribed_sku(cid, item)
            # A body with a group2 SKU answered licenseGroupIds=Group1&licenseGroupIds=Group2 (a plain request gets group1
            # only); one without answered the plain URL.
            groups = set(k.group for k in customer.skus.values())
            recorded_for = frozenset(LICENSE_GROUPS) if groups - DEFAULT_LICENSE_GROUPS else None
            customer.skus_raw = (recorded_for, raw) if pristine else None

    def subscribed_skus(self, cid, groups=None):
        """The customer's SKUs as served (optionally only those of the given lower-case licence groups)."""
        with self._lock:
            customer = self._customer(cid)
            return [copy.deepcopy(k.render()) for k in customer.skus.values() if groups is None or k.group in groups]

    def sku_listing(self, cid, asked=None):
        """(SKUs as served to a request that asked for the licence groups `asked` (None: none asked, so the default
        group, as Learn's get-a-list-of-available-licenses and the recording GetCustomerSubscribedSkus say), the recorded
        bytes when they were recorded for that very request and still describe this answer, else None)."""
        groups = DEFAULT_LICENSE_GROUPS if asked is None else asked
        with self._lock:
            customer = self._customer(cid)
            chosen = [k for k in customer.skus.values() if k.group in groups]
            raw = None
            if customer.skus_raw is not None and len(chosen) == len(customer.skus):
                recorded_for, recorded = customer.skus_raw
                raw = recorded if recorded_for == (None if asked is None else frozenset(asked)) else None
            return [copy.deepcopy(k.render()) for k in chosen], raw

    def user_licenses(self, cid, uid):
        """The SKU ids a user (id or userPrincipalName, any state) holds, in assignment order."""
        with self._lock:
            customer = self._customer(cid)
            user = customer.users.get(str(uid).lower()) or customer.upns.get(str(uid).lower())
            if user is None:
                raise StoreError(USER_NOT_FOUND, "User object Id is not found")
            return [customer.skus[k].id for k in user.licenses]

    def license_items(self, cid, uid, groups=None):
        """The License items of an active user, as served."""
        with self._lock:
            customer = self._customer(cid)
            user = self._user(cid, uid)
            items = []
            for key, excluded in user.licenses.items():
                sku = customer.skus[key]
                if groups is None or sku.group in groups:
                    items.append(sku.render_license(excluded))
            return items

    def update_licenses(self, cid, uid, body):
        """A LicenseUpdate, all or nothing: every check passes before anything changes. Returns the 201 body."""
        with self._lock:
            customer = self._customer(cid)
            user = self._user(cid, uid)
            assign_ids, remove_ids = parse_license_update(body)
            assign = []
            for sku_id, excluded in assign_ids:
                sku = self._sku(customer, sku_id, what="licensesToAssign.skuId")
                unknown = [p for p in excluded or [] if p.lower() not in sku.plan_ids()]
                if unknown:
                    raise _err("licensesToAssign.excludedPlans: %s is not a service plan of SKU %s." % (unknown[0], sku.id))
                if all(sku is not chosen for chosen, ignored in assign):
                    assign.append((sku, excluded))
            remove = []
            for sku_id in remove_ids:
                sku = self._sku(customer, sku_id, what="licensesToRemove")
                if sku not in remove:
                    remove.append(sku)
            groups = sorted(set(sku.group for sku, ignored in assign) | set(sku.group for sku in remove))
            if len(groups) > 1:
                raise _err("licensesToAssign, licensesToRemove: one request may only contain licences of one licence group; "
                           "this one has %s." % " and ".join(groups))
            both = [sku for sku, ignored in assign if sku in remove]
            if both:
                raise _err("licensesToAssign, licensesToRemove: SKU %s is both to assign and to remove." % both[0].id)
            for sku in remove:
                if sku.key not in user.licenses:
                    raise _err("licensesToRemove: the user does not hold a licence for SKU %s." % sku.id)
            if assign and not user.fields.get("usageLocation"):
                raise _err(INVALID_USAGE_LOCATION)
            for sku, ignored in assign:
                if sku.key not in user.licenses:
                    self._check_seat(customer, sku)
            for sku in remove:
                self._release(customer, user, sku)
            for sku, excluded in assign:
                self._grant(customer, user, sku, excluded)
            answer = {"licensesToAssign": [{"skuId": sku.id} for sku, ignored in assign]}
            if remove:
                # Echoed as sent (the LicenseUpdate resource has licensesToRemove; the recorded answer to an update
                # without removals, UpdateUserLicense.json, leaves the key out).
                answer["licensesToRemove"] = [sku.id for sku in remove]
            answer.update({"licenseWarnings": [], "attributes": {"objectType": "LicenseUpdate"}})
            return answer

    @staticmethod
    def _check_seat(customer, sku):
        if sku.available < 1:
            raise StoreError(LICENSE_QUOTA_EXCEEDED, OUT_OF_LICENSES, data=[
                "LicenseQuotaExceededException : Subscription with Account %s and SKU %s does not have any available licenses "
                "left." % (customer.id, sku.id)])

    @staticmethod
    def _grant(customer, user, sku, excluded):
        if sku.key not in user.licenses:
            sku.holders[user.id.lower()] = True
        user.licenses[sku.key] = list(excluded) if excluded else None
        customer.skus_raw = None

    @staticmethod
    def _release(customer, user, sku):
        user.licenses.pop(sku.key, None)
        sku.holders.pop(user.id.lower(), None)
        customer.skus_raw = None

    # ---- directory roles ----------------------------------------------------------------

    def directory_roles(self, cid):
        """The roles activated in the customer tenant, as served."""
        with self._lock:
            return [r.render() for r in self._customer(cid).roles.values()]

    def user_directory_roles(self, cid, uid):
        """The roles an active user is a member of, as served (tenant role order)."""
        with self._lock:
            customer = self._customer(cid)
            user = self._user(cid, uid)
            return [r.render() for r in customer.roles.values() if r.has(user)]

    def role_members(self, cid, role):
        """The user ids of a role's members (role id or name), in the order they were added."""
        with self._lock:
            role = self._role(self._customer(cid), role, by_name=True)
            return [role.by_seq[s].id for s in role.seqs]

    def user_roles(self, cid, user):
        """The role ids a user (id or userPrincipalName, any state) is a member of."""
        with self._lock:
            customer = self._customer(cid)
            found = customer.users.get(str(user).lower()) or customer.upns.get(str(user).lower())
            if found is None:
                raise StoreError(USER_NOT_FOUND, "User object Id is not found")
            return [r.id for r in customer.roles.values() if r.has(found)]

    def add_role_member(self, cid, role, user):
        """Make an active user (id or userPrincipalName) a member of a role (id or name); returns the UserMember."""
        with self._lock:
            customer = self._customer(cid)
            return self._add_member(self._role(customer, role, by_name=True), self._user_by_id_or_upn(customer, user))

    def add_user_member(self, cid, rid, body):
        """POST .../directoryroles/{rid}/usermembers: the role by id, the user by the body's Id."""
        with self._lock:
            customer = self._customer(cid)
            role = self._role(customer, rid)
            uid = parse_user_member(body)[0]
            return self._add_member(role, self._user(cid, uid))

    def _add_member(self, role, user):
        if role.has(user):
            raise _err(ALREADY_MEMBER)
        self._member_seq += 1
        role.add(user, self._member_seq)
        return role.render_member(user)

    def remove_role_member(self, cid, role, user, by_name=True):
        """Remove a member (user id or userPrincipalName) from a role (id, or name when by_name)."""
        with self._lock:
            customer = self._customer(cid)
            role = self._role(customer, role, by_name=by_name)
            found = customer.users.get(str(user).lower()) or customer.upns.get(str(user).lower())
            if found is None or not role.remove(found):
                raise not_found("User %s is not a member of directory role %s." % (user, role.id))

    def admin_roles(self, cid):
        """Every role of the customer with its members (id, userPrincipalName)."""
        with self._lock:
            customer = self._customer(cid)
            return [{"id": r.id, "name": r.name,
                     "members": [{"id": r.by_seq[s].id, "userPrincipalName": r.by_seq[s].upn} for s in r.seqs]}
                    for r in customer.roles.values()]

    def member_page(self, cid, rid, size=None, token=None):
        """One page of a role's members in the order added: (items, next continuation token or None, size)."""
        with self._lock:
            customer = self._customer(cid)
            role = self._role(customer, rid)
            listing = "role:" + role.key
            after = 0
            if token is not None:
                data = self._decode_token(token)
                if data.get("c") != customer.id.lower() or data.get("s") != listing:
                    raise _err("MS-ContinuationToken: the continuation token does not belong to this listing.")
                after = data["a"]
                size = size or data["n"]
            size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
            start = bisect.bisect_right(role.seqs, after)
            chosen = role.seqs[start:start + size]
            items = [role.render_member(role.by_seq[s]) for s in chosen]
            next_token = None
            if start + size < len(role.seqs):
                next_token = self._encode_token({"c": customer.id.lower(), "s": listing, "a": chosen[-1], "n": size})
            return items, next_token, size

    # ---- customers -----------------------------------------------------------------------

    def get_customer(self, cid):
        with self._lock:
            return self._customer(cid).render()

    def customer_page(self, size=None, token=None, customer_filter=None):
        """One page of customers in creation order: (items, next token or None, size, filter).

        customer_filter is None or (field, value) as Customer.matches takes it; with a token, the
        filter and default size come from the token."""
        with self._lock:
            after = 0
            if token is not None:
                data = self._decode_token(token)
                token_filter = tuple(data["f"]) if data.get("f") else None
                if data.get("s") != CUSTOMERS_LISTING or (customer_filter is not None and token_filter != tuple(customer_filter)):
                    raise _err("MS-ContinuationToken: the continuation token does not belong to this listing.")
                customer_filter, after = token_filter, data["a"]
                size = size or data["n"]
            size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
            seqs = self._customer_seqs
            start = bisect.bisect_right(seqs, after)
            if customer_filter is None:
                chosen = [self._customer_by_seq[s] for s in seqs[start:start + size]]
                more = start + size < len(seqs)
            else:
                chosen, more = [], False
                for seq in seqs[start:]:
                    customer = self._customer_by_seq[seq]
                    if customer.matches(customer_filter):
                        if len(chosen) == size:
                            more = True
                            break
                        chosen.append(customer)
            next_token = None
            if more:
                next_token = self._encode_token({"c": "", "s": CUSTOMERS_LISTING, "a": chosen[-1].seq, "n": size,
                                                 "f": list(customer_filter) if customer_filter else None})
            return [c.render() for c in chosen], next_token, size, customer_filter

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
                if (data.get("c") != customer.id.lower() or data.get("s") not in (ACTIVE, INACTIVE)
                        or (state is not None and data.get("s") != state)):
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
            if not isinstance(data.get("s"), str) or not isinstance(data.get("a"), int) or not isinstance(data.get("n"), int):
                raise ValueError("bad token")
            return data
        except (ValueError, UnicodeError, TypeError):
            raise _err("MS-ContinuationToken: the continuation token is invalid or expired.")
