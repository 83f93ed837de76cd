"""The organisation: the jurisdiction tree (nested sets), units, users and the actor a user
acts as; API tokens and idempotency keys."""

from engine.org.tokens import (
    authenticate,
    find_idempotent,
    install_bootstrap_token,
    issue_token,
    remember_idempotent,
    request_fingerprint,
    revoke_token,
    rotate_tokens,
)
from engine.org.tree import (
    JurisdictionView,
    Placement,
    actor_for_user,
    add_jurisdiction,
    add_unit,
    add_user,
    chain_to_root,
    jurisdiction_by_code,
    jurisdictions_in_scope,
    load_org,
    placement,
    read_org_file,
    subtree_ids,
    subtree_ids_query,
)

__all__ = [
    "JurisdictionView",
    "Placement",
    "actor_for_user",
    "add_jurisdiction",
    "add_unit",
    "add_user",
    "authenticate",
    "chain_to_root",
    "find_idempotent",
    "install_bootstrap_token",
    "issue_token",
    "jurisdiction_by_code",
    "jurisdictions_in_scope",
    "load_org",
    "placement",
    "read_org_file",
    "remember_idempotent",
    "request_fingerprint",
    "revoke_token",
    "rotate_tokens",
    "subtree_ids",
    "subtree_ids_query",
]
