"""Default data: the directory roles every customer has, and the SKU set of the default seed.

Role ids are Entra role template ids (the same in every tenant); the emulator uses the template
id as the role id. SKU and service plan ids are Microsoft's published product identifiers; the EMS
and Minecraft entries are those of the recorded subscribedskus bodies.
"""

from __future__ import annotations

import copy

DEFAULT_DIRECTORY_ROLES = (
    ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10"),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8"),
    ("License Administrator", "4d6ac14f-3453-41d0-bef9-a3e0c569773a"),
    ("Billing Administrator", "b0f54661-2d74-4c50-afa3-1ec803f12efe"),
    ("Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"),
    ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    ("Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
)


def _plan(display_name, service_name, plan_id, target_type="User"):
    return {"displayName": display_name, "serviceName": service_name, "id": plan_id, "capabilityStatus": "Enabled",
            "targetType": target_type}


def _sku(sku_id, name, part_number, group, units, plans):
    return {"totalUnits": units, "activeUnits": units,
            "productSku": {"id": sku_id, "name": name, "skuPartNumber": part_number, "targetType": "User", "licenseGroupId": group},
            "servicePlans": plans, "capabilityStatus": "Enabled", "attributes": {"objectType": "SubscribedSku"}}


_EXCHANGE_FOUNDATION = _plan("Exchange Foundation", "EXCHANGE_S_FOUNDATION", "113feb6c-3fe4-4440-bddc-54d774bf0318", "Tenant")
_TEAMS = _plan("Microsoft Teams", "TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929")
_SKYPE = _plan("Skype for Business Online (Plan 2)", "MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c")
_AAD_P1 = _plan("Azure Active Directory Premium P1", "AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d")
_INTUNE = _plan("Microsoft Intune A Direct", "INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5")

# Units per SKU in the default seed (tests/emulator/seeds/default.json spells the same set out).
DEFAULT_SUBSCRIBED_SKUS = (
    _sku("05e9a617-0261-4cee-bb44-138d3ef5d965", "Microsoft 365 E3", "SPE_E3", "group1", 25, [
        _EXCHANGE_FOUNDATION,
        _plan("Exchange Online (Plan 2)", "EXCHANGE_S_ENTERPRISE", "efb87545-963c-4e0d-99df-69c6916d9eb0"),
        _plan("SharePoint (Plan 2)", "SHAREPOINTENTERPRISE", "5dbe027f-2339-4123-9542-606e4d348a72"),
        _plan("Microsoft 365 Apps for enterprise", "OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38"),
        _TEAMS, _SKYPE, _AAD_P1, _INTUNE]),
    _sku("f245ecc8-75af-4f8e-b61f-27d8114de5f3", "Microsoft 365 Business Standard", "O365_BUSINESS_PREMIUM", "group1", 10, [
        _EXCHANGE_FOUNDATION,
        _plan("Exchange Online (Plan 1)", "EXCHANGE_S_STANDARD", "9aaf7827-d63c-4b61-89c3-182f06f82e5c"),
        _plan("SharePoint (Plan 1)", "SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1"),
        _plan("Microsoft 365 Apps for business", "OFFICE_BUSINESS", "094e7854-93fc-4d55-b2c0-3ab5369ebdc1"),
        _TEAMS, _SKYPE]),
    _sku("efccb6f7-5641-4e0e-bd10-b4976e1bf68e", "Enterprise Mobility + Security E3", "EMS", "group1", 5, [
        _plan("Azure Information Protection Premium P1", "RMS_S_PREMIUM", "6c57d4b6-3b23-47a5-9bc9-69f17b4947b3"),
        _INTUNE,
        _plan("Microsoft Azure Active Directory Rights", "RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
        _AAD_P1,
        _plan("Microsoft Azure Multi-Factor Authentication", "MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0")]),
    _sku("984df360-9a74-4647-8cf8-696749f6247a", "Minecraft Education Edition Faculty", "CFQ7TTC0K5DR/0002", "group2", 3, [
        _plan("Minecraft Education Edition", "MINECRAFT_EDUCATION_EDITION", "4c246bbc-f513-4311-beff-eba54c353256")]),
)


def default_subscribed_skus():
    """A fresh copy of the default SKU set (callers may change it)."""
    return copy.deepcopy(list(DEFAULT_SUBSCRIBED_SKUS))


def default_directory_roles():
    return [{"name": name, "id": role_id} for name, role_id in DEFAULT_DIRECTORY_ROLES]
