"""supabase/config.toml is safe to link and push to a hosted project."""

from __future__ import annotations

import tomllib

from fieldbase_local import settings, stack

CONFIG = tomllib.loads((settings.SUPABASE_DIR / "config.toml").read_text())


def test_only_confirmed_addresses_sign_in_locally_and_remotely():
    assert CONFIG["auth"]["email"]["enable_confirmations"] is True
    for remote in CONFIG.get("remotes", {}).values():
        assert remote["auth"]["email"]["enable_confirmations"] is True


def test_seeds_never_reach_a_hosted_project():
    assert CONFIG["remotes"], "a [remotes.<name>] block describes the hosted project"
    for name, remote in CONFIG["remotes"].items():
        assert remote["db"]["seed"]["enabled"] is False, name
        # `supabase config push` would otherwise send the local site URL.
        assert "127.0.0.1" not in remote["auth"]["site_url"], name


def test_new_entities_are_not_exposed_by_default():
    assert CONFIG["api"]["auto_expose_new_tables"] is False


def test_no_role_password_in_a_seed():
    for path in stack.seed_files():
        text = path.read_text().lower()
        assert "password '" not in text and "alter role" not in text, path
