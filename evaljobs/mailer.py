"""Getting digest e-mails out: over SMTP as configured by the environment, or as .eml files.

This module owns the mail configuration (``EVALJOBS_SMTP_HOST``, ``EVALJOBS_SMTP_PORT``,
``EVALJOBS_SMTP_SECURITY`` none|starttls|tls, ``EVALJOBS_SMTP_USER``,
``EVALJOBS_SMTP_PASSWORD``, ``EVALJOBS_MAIL_FROM``) and the translation of what an SMTP
server answers into the outcomes the digest's outbox protocol understands: ``sent``;
``temporary`` (a 4xx answer: the message stays pending and is retried on a later run);
``rejected`` (a 5xx answer for the recipient or the message: reported and skipped);
``unavailable`` (no connection: the run stops, everything stays pending). One SMTP
connection is reused for a whole run and reopened once if the server drops it.
`digest_now` is one digest run of a catalogue as the CLI and the scheduler start it:
under the catalogue's digest lock, so two runs at once cannot both send.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from catalogue.digest import DigestReport, Outgoing, SendOutcome
from evaljobs.locks import LockHeld, hold_lock, lock_name_for

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_MAIL_FROM = "evaljobs digest <digest@localhost>"


class MailerConfigError(ValueError):
    """The mail settings cannot work; the message names the variable."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # one of SECURITY_MODES
    user: str | None
    password: str | None
    mail_from: str
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """The SMTP settings, or None when no EVALJOBS_SMTP_HOST is set."""
        env = os.environ if env is None else env
        host = (env.get("EVALJOBS_SMTP_HOST") or "").strip()
        if not host:
            return None
        security = (env.get("EVALJOBS_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITY_MODES:
            raise MailerConfigError(
                f"EVALJOBS_SMTP_SECURITY={security!r}; expected one of {', '.join(SECURITY_MODES)}"
            )
        default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
        raw_port = (env.get("EVALJOBS_SMTP_PORT") or str(default_port)).strip()
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise MailerConfigError(f"EVALJOBS_SMTP_PORT={raw_port!r}; expected a port number")
        user = env.get("EVALJOBS_SMTP_USER") or None
        password = env.get("EVALJOBS_SMTP_PASSWORD") or None
        if user and not password:
            raise MailerConfigError("EVALJOBS_SMTP_USER is set but EVALJOBS_SMTP_PASSWORD is not")
        return cls(host, int(raw_port), security, user, password, mail_from(env))


def mail_from(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("EVALJOBS_MAIL_FROM") or DEFAULT_MAIL_FROM).strip()


def _outcome_for_code(code: int, detail: str) -> SendOutcome:
    if 400 <= code < 500:
        return SendOutcome("temporary", code, detail)
    return SendOutcome("rejected", code, detail)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


class SmtpMailer:
    """Sends messages over one reused SMTP connection; use as a context manager."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if c.security == "tls":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.security == "starttls":
                smtp.starttls(context=context)
        if c.user:
            smtp.login(c.user, c.password or "")
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: Outgoing) -> SendOutcome:
        """Send one message with one recipient; say how it went (never raises for SMTP)."""
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.sendmail(message.envelope_from, [message.to], message.raw)
                return SendOutcome("sent", 250, "")
            except smtplib.SMTPRecipientsRefused as error:
                # One recipient per message: its answer decides (550 skip, 450 retry later).
                code, raw = next(iter(error.recipients.values()))
                return _outcome_for_code(int(code), _text(raw))
            except smtplib.SMTPSenderRefused as error:
                # The server refuses our From: no message can go this run.
                return SendOutcome("unavailable", error.smtp_code, _text(error.smtp_error))
            except smtplib.SMTPAuthenticationError as error:
                return SendOutcome(
                    "unavailable",
                    error.smtp_code,
                    "authentication failed: " + _text(error.smtp_error),
                )
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 2:
                    return SendOutcome("unavailable", None, f"server disconnected: {error}")
            except smtplib.SMTPResponseException as error:
                # DATA refused (5xx content rejected, 4xx try later), or a broken greeting.
                if isinstance(error, smtplib.SMTPConnectError):
                    self._drop()
                    return SendOutcome("unavailable", error.smtp_code, _text(error.smtp_error))
                return _outcome_for_code(int(error.smtp_code), _text(error.smtp_error))
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                if attempt == 2:
                    return SendOutcome("unavailable", None, f"{type(error).__name__}: {error}")
        return SendOutcome("unavailable", None, "unreachable")

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
            self._smtp = None


def _safe_name(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", message_id.strip("<>")) or "message"


class EmlDirectoryMailer:
    """Writes each message to ``<out>/<digest date>/<Message-ID>.eml`` instead of sending.

    A resend of a pending message (same Message-ID) overwrites its file, so the folder
    holds each message once. Files are written whole, then renamed into place.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.written: list[Path] = []

    def __enter__(self) -> EmlDirectoryMailer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None

    def path_for(self, message: Outgoing) -> Path:
        date = re.search(r"digest\.(\d{4}-\d{2}-\d{2})\.", message.message_id)
        folder = self.out / (date.group(1) if date else "preview")
        return folder / f"{_safe_name(message.message_id)}.eml"

    def send(self, message: Outgoing) -> SendOutcome:
        path = self.path_for(message)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".eml.part")
            partial.write_bytes(message.raw)
            os.replace(partial, path)
        except OSError as error:
            return SendOutcome("unavailable", None, f"cannot write {path}: {error}")
        self.written.append(path)
        return SendOutcome("sent", None, str(path))


def mailer_from_env(
    out: Path | None, env: Mapping[str, str] | None = None
) -> SmtpMailer | EmlDirectoryMailer:
    """SMTP when EVALJOBS_SMTP_HOST is set, else .eml files to `out`; MailerConfigError if neither."""
    config = SmtpConfig.from_env(env)
    if config is not None:
        return SmtpMailer(config)
    if out is None:
        raise MailerConfigError(
            "no EVALJOBS_SMTP_HOST is set: set it (and EVALJOBS_SMTP_PORT, EVALJOBS_SMTP_SECURITY, "
            "EVALJOBS_SMTP_USER, EVALJOBS_SMTP_PASSWORD, EVALJOBS_MAIL_FROM) or pass --out DIR "
            "to write the digests as .eml files"
        )
    return EmlDirectoryMailer(out)


class DigestBusy(RuntimeError):
    """Another digest run of the same catalogue holds the lock."""


def digest_now(
    db_path: Path,
    *,
    digest_date: str | None = None,
    dry_run: bool = False,
    out: Path | None = None,
    base_url: str,
    should_stop: Callable[[], bool] | None = None,
    env: Mapping[str, str] | None = None,
) -> DigestReport:
    """One digest run of the catalogue at `db_path`, holding its digest lock throughout.

    Raises DigestBusy when another run holds the lock and MailerConfigError when mail
    cannot go anywhere (no SMTP host and no `out`). A dry run needs neither lock nor
    mailer; with `out` it writes the previews there.
    """
    from catalogue.digest import run_digest
    from catalogue.schema import open_catalogue

    sender_from = mail_from(env)
    if dry_run:
        preview_mailer = EmlDirectoryMailer(out) if out is not None else None
        db = open_catalogue(db_path)
        try:
            return run_digest(
                db,
                None,
                base_url=base_url,
                mail_from=sender_from,
                digest_date=digest_date,
                dry_run=True,
                preview=(lambda _digest, message: preview_mailer.send(message))
                if preview_mailer
                else None,
            )
        finally:
            db.close()
    mailer = mailer_from_env(out, env)
    try:
        with hold_lock(lock_name_for("digest", db_path), near=db_path):
            db = open_catalogue(db_path)
            try:
                with mailer:
                    report = run_digest(
                        db,
                        mailer,
                        base_url=base_url,
                        mail_from=sender_from,
                        digest_date=digest_date,
                        should_stop=should_stop,
                    )
            finally:
                db.close()
    except LockHeld as error:
        raise DigestBusy(
            f"another digest run is sending ({error.holder or 'holder unknown'}); try again later"
        ) from None
    for line in report.lines():
        log.info(line)
    return report
