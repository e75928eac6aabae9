"""The email flows' messages, per content locale (public.locales), rendered with Jinja2.

A user's mail is in the first locale of their chain (profile locale, its fallbacks, then en)
that has a template. Each message carries the link and the 6-digit code; both are single-use.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, StrictUndefined

__all__ = ["Message", "render"]

ENVIRONMENT = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)

# (subject, body) per kind and locale.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "email_change": (
            "Confirm your email change",
            "Confirm moving your account to {{ new_email }}:\n{{ link }}\n\n"
            "Or enter this code: {{ code }}\n\nThe link expires in {{ minutes }} minutes.\n",
        ),
        "reauthentication": (
            "Confirm reauthentication",
            "Enter this code to confirm the change: {{ code }}\n\n"
            "It expires in {{ minutes }} minutes.\n",
        ),
        "confirmation": (
            "Confirm your email",
            "Welcome to Roll for Language!\n\nConfirm your email address:\n{{ link }}\n\n"
            "Or enter this code: {{ code }}\n\nThe link expires in {{ minutes }} minutes.\n",
        ),
        "recovery": (
            "Reset your password",
            "Someone asked to reset the password of {{ email }}.\n\nReset it here:\n{{ link }}\n\n"
            "Or enter this code: {{ code }}\n\nNot you? Ignore this email. "
            "The link expires in {{ minutes }} minutes.\n",
        ),
        "magiclink": (
            "Your sign-in link",
            "Sign in to Roll for Language:\n{{ link }}\n\nOr enter this code: {{ code }}\n\n"
            "The link expires in {{ minutes }} minutes.\n",
        ),
        "invite": (
            "You have been invited",
            "You have been invited to Roll for Language.\n\nAccept the invitation:\n{{ link }}\n\n"
            "Or enter this code: {{ code }}\n",
        ),
    },
    "pt": {
        "email_change": (
            "Confirme a alteração de email",
            "Confirme a mudança da sua conta para {{ new_email }}:\n{{ link }}\n\n"
            "Ou introduza este código: {{ code }}\n\n"
            "A ligação expira em {{ minutes }} minutos.\n",
        ),
        "reauthentication": (
            "Confirme a reautenticação",
            "Introduza este código para confirmar a alteração: {{ code }}\n\n"
            "Expira em {{ minutes }} minutos.\n",
        ),
        "confirmation": (
            "Confirme o seu email",
            "Bem-vindo ao Roll for Language!\n\nConfirme o seu endereço:\n{{ link }}\n\n"
            "Ou introduza este código: {{ code }}\n\n"
            "A ligação expira em {{ minutes }} minutos.\n",
        ),
        "recovery": (
            "Redefinir a palavra-passe",
            "Foi pedido para redefinir a palavra-passe de {{ email }}.\n\n"
            "Redefina-a aqui:\n{{ link }}\n\nOu introduza este código: {{ code }}\n\n"
            "Não foi você? Ignore este email. A ligação expira em {{ minutes }} minutos.\n",
        ),
        "magiclink": (
            "A sua ligação de acesso",
            "Entre no Roll for Language:\n{{ link }}\n\nOu introduza este código: {{ code }}\n\n"
            "A ligação expira em {{ minutes }} minutos.\n",
        ),
        "invite": (
            "Recebeu um convite",
            "Foi convidado para o Roll for Language.\n\nAceite o convite:\n{{ link }}\n\n"
            "Ou introduza este código: {{ code }}\n",
        ),
    },
    "de": {
        "email_change": (
            "Bestätige die neue E-Mail-Adresse",
            "Bestätige den Wechsel deines Kontos zu {{ new_email }}:\n{{ link }}\n\n"
            "Oder gib diesen Code ein: {{ code }}\n\n"
            "Der Link läuft in {{ minutes }} Minuten ab.\n",
        ),
        "reauthentication": (
            "Bestätige die erneute Anmeldung",
            "Gib diesen Code ein, um die Änderung zu bestätigen: {{ code }}\n\n"
            "Er läuft in {{ minutes }} Minuten ab.\n",
        ),
        "confirmation": (
            "Bestätige deine E-Mail-Adresse",
            "Willkommen bei Roll for Language!\n\nBestätige deine Adresse:\n{{ link }}\n\n"
            "Oder gib diesen Code ein: {{ code }}\n\n"
            "Der Link läuft in {{ minutes }} Minuten ab.\n",
        ),
        "recovery": (
            "Passwort zurücksetzen",
            "Für {{ email }} wurde ein neues Passwort angefordert.\n\n"
            "Hier zurücksetzen:\n{{ link }}\n\nOder gib diesen Code ein: {{ code }}\n\n"
            "Warst du das nicht? Ignoriere diese E-Mail. "
            "Der Link läuft in {{ minutes }} Minuten ab.\n",
        ),
        "magiclink": (
            "Dein Anmeldelink",
            "Bei Roll for Language anmelden:\n{{ link }}\n\n"
            "Oder gib diesen Code ein: {{ code }}\n\n"
            "Der Link läuft in {{ minutes }} Minuten ab.\n",
        ),
        "invite": (
            "Du wurdest eingeladen",
            "Du wurdest zu Roll for Language eingeladen.\n\nEinladung annehmen:\n{{ link }}\n\n"
            "Oder gib diesen Code ein: {{ code }}\n",
        ),
    },
}


@dataclass(frozen=True)
class Message:
    locale: str
    subject: str
    body: str


def render(kind: str, locales: list[str], **values: object) -> Message:
    """The message of `kind` in the first of `locales` that has one (en at the latest)."""
    locale = next((code for code in locales if code in TEMPLATES), "en")
    subject, body = TEMPLATES[locale][kind]
    return Message(locale, subject, ENVIRONMENT.from_string(body).render(**values))
