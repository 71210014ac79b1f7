"""The PasError hierarchy mirrors the core's code table and the matching builtins."""

from __future__ import annotations

import pickle

import pytest

import pas
import pas.errors


def test_one_class_per_stable_code() -> None:
    assert len(pas.ERROR_CODES) == 43
    for code, number, name in pas.ERROR_CODES:
        cls = getattr(pas, name)
        assert getattr(pas.errors, name) is cls
        assert issubclass(cls, pas.PasError)
        assert cls.code == code and cls.number == number
        assert cls.__module__ == "pas"
        assert code in (cls.__doc__ or "")


@pytest.mark.parametrize(
    "name,builtin",
    [
        ("InvalidArgumentError", ValueError),
        ("InvalidConfigError", ValueError),
        ("InvalidUrlError", ValueError),
        ("InvalidVerifierError", ValueError),
        ("PasServerError", ConnectionError),
        ("PasTransportError", ConnectionError),
        ("PasBadResponseError", ConnectionError),
        ("DiscoveryFailedError", ConnectionError),
        ("PasTimeoutError", TimeoutError),
        ("PasTimeoutError", ConnectionError),
        ("WouldDeadlockError", RuntimeError),
    ],
)
def test_builtin_bases(name: str, builtin: type) -> None:
    assert issubclass(getattr(pas, name), builtin)


def test_families() -> None:
    assert issubclass(pas.TokenExpiredError, pas.TokenError)
    assert issubclass(pas.DecryptFailedError, pas.CryptoError)
    assert issubclass(pas.StoreFailedError, pas.SessionError)
    assert issubclass(pas.PasRejectedError, pas.RejectedError)
    assert not issubclass(pas.PasRejectedError, ConnectionError)
    assert issubclass(pas.PasTimeoutError, pas.TimedOutError)
    assert issubclass(pas.TimedOutError, pas.UnavailableError)


def test_instances_carry_code_and_pickle() -> None:
    with pytest.raises(ValueError) as info:
        pas.code_challenge("short")
    err = info.value
    assert isinstance(err, pas.InvalidVerifierError)
    assert err.code == "invalid_verifier" and err.number == 112
    assert err.status is None and err.oauth_error is None and err.retry_after is None
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and str(again) == str(err)
