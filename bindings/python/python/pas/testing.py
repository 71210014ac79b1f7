"""Test doubles (never for production): a scripted PAS and a shared, ordered effect log.

``ScriptedPas`` stands in for PAS so session scenarios run without HTTP::

    log = EffectLog()
    pas = ScriptedPas(log)
    pas.refresh_ok({"sub": "01HZ...", "sv": 5})
    validator = SessionValidator(pas, cipher=cipher)
"""

from pas._pas import EffectLog, ScriptedPas, unsigned_access_token

__all__ = ["EffectLog", "ScriptedPas", "unsigned_access_token"]
