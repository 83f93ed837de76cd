"""The organisation: the jurisdiction tree (nested sets), units, users and the actor a user
acts as; API tokens and idempotency keys; login names, console passwords and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.org.accounts import (
        TokenInfo,
        assign_user,
        deactivate_user,
        issue_token_for,
        reset_password,
        revoke_token_of,
        tokens_of,
        user_in_scope,
    )
    from engine.org.generation import forget_actors
    from engine.org.logins import check_login, resolve_user, user_by_login
    from engine.org.org_file import UNIT_KINDS
    from engine.org.passwords import (
        MIN_LENGTH,
        hash_password,
        password_problem,
        set_password,
        verify_password,
    )
    from engine.org.sessions import (
        NewSession,
        SessionInfo,
        SessionPolicy,
        SignInRefused,
        change_password,
        needs_touch,
        session_for,
        sign_in,
        sign_out,
        sign_out_everywhere,
    )
    from engine.org.token_cache import ActorCache
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
    "MIN_LENGTH",
    "UNIT_KINDS",
    "ActorCache",
    "JurisdictionView",
    "NewSession",
    "Placement",
    "SessionInfo",
    "SessionPolicy",
    "SignInRefused",
    "TokenInfo",
    "actor_for_user",
    "add_jurisdiction",
    "add_unit",
    "add_user",
    "assign_user",
    "authenticate",
    "chain_to_root",
    "change_password",
    "check_login",
    "deactivate_user",
    "find_idempotent",
    "forget_actors",
    "hash_password",
    "install_bootstrap_token",
    "issue_token",
    "issue_token_for",
    "jurisdiction_by_code",
    "jurisdictions_in_scope",
    "load_org",
    "needs_touch",
    "password_problem",
    "placement",
    "read_org_file",
    "remember_idempotent",
    "request_fingerprint",
    "reset_password",
    "resolve_user",
    "revoke_token",
    "revoke_token_of",
    "rotate_tokens",
    "session_for",
    "set_password",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
    "subtree_ids",
    "subtree_ids_query",
    "tokens_of",
    "user_by_login",
    "user_in_scope",
    "verify_password",
]

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "TokenInfo": "accounts", "assign_user": "accounts", "deactivate_user": "accounts",
    "issue_token_for": "accounts", "reset_password": "accounts", "revoke_token_of": "accounts",
    "tokens_of": "accounts", "user_in_scope": "accounts",
    "forget_actors": "generation",
    "check_login": "logins", "resolve_user": "logins", "user_by_login": "logins",
    "UNIT_KINDS": "org_file",
    "MIN_LENGTH": "passwords", "hash_password": "passwords", "password_problem": "passwords",
    "set_password": "passwords", "verify_password": "passwords",
    "NewSession": "sessions", "SessionInfo": "sessions", "SessionPolicy": "sessions",
    "SignInRefused": "sessions", "change_password": "sessions", "needs_touch": "sessions",
    "session_for": "sessions", "sign_in": "sessions", "sign_out": "sessions",
    "sign_out_everywhere": "sessions",
    "ActorCache": "token_cache",
    "authenticate": "tokens", "find_idempotent": "tokens", "install_bootstrap_token": "tokens",
    "issue_token": "tokens", "remember_idempotent": "tokens", "request_fingerprint": "tokens",
    "revoke_token": "tokens", "rotate_tokens": "tokens",
    "JurisdictionView": "tree", "Placement": "tree", "actor_for_user": "tree",
    "add_jurisdiction": "tree", "add_unit": "tree", "add_user": "tree", "chain_to_root": "tree",
    "jurisdiction_by_code": "tree", "jurisdictions_in_scope": "tree", "load_org": "tree",
    "placement": "tree", "read_org_file": "tree", "subtree_ids": "tree",
    "subtree_ids_query": "tree",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "accounts":
            import engine.org.accounts as module
        elif name == "generation":
            import engine.org.generation as module
        elif name == "logins":
            import engine.org.logins as module
        elif name == "org_file":
            import engine.org.org_file as module
        elif name == "passwords":
            import engine.org.passwords as module
        elif name == "sessions":
            import engine.org.sessions as module
        elif name == "token_cache":
            import engine.org.token_cache as module
        elif name == "tokens":
            import engine.org.tokens as module
        elif name == "tree":
            import engine.org.tree as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
