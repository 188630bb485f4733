"""What to do about errors that retrying cannot fix (401, 403, 404)."""

from __future__ import annotations

from zendesk_api.auth import OAuthTokenAuth
from zendesk_api.connection import ZendeskConnection
from zendesk_api.errors import ZendeskHTTPError


def with_advice(
    error: ZendeskHTTPError, connection: ZendeskConnection, *, operation: str, scope: str
) -> ZendeskHTTPError:
    """Append the setting to check to a 401, 403 or 404; other errors come back unchanged.

    ``operation`` says what was attempted ("read the ticket export"); ``scope`` is the
    OAuth scope it needs ("read" or "write").
    """
    auth = connection.auth
    if error.status == 401:
        hint = (
            f"Authentication failed for {connection.base_url} with the {auth.mode}: "
            f"check {auth.settings}"
        )
        if isinstance(auth, OAuthTokenAuth) and not auth.renewable:
            hint += (
                "; a fixed OAuth access token is not renewed, and tokens of new OAuth clients "
                "expire (30 minutes by default): zendesk.oauthClientId and "
                "zendesk.oauthClientSecret renew tokens as they go"
            )
    elif error.status == 403:
        hint = f"The {auth.mode} may not {operation}: Zendesk allows this to admins only"
        if isinstance(auth, OAuthTokenAuth):
            hint += f", and the OAuth token needs the '{scope}' scope"
            if auth.renewable:
                hint += " (zendesk.oauthScopes)"
        hint += "; use an admin's credentials"
    elif error.status == 404:
        hint = (
            f"{connection.base_url} has no {error.path}: check zendesk.domain "
            "(the subdomain of your account, for example 'acme' for acme.zendesk.com)"
        )
    else:
        return error
    return error.with_hint(hint)


def read_advice(
    error: ZendeskHTTPError, connection: ZendeskConnection, *, operation: str
) -> ZendeskHTTPError:
    """:func:`with_advice` for reads agents may do too (job statuses, ticket look-ups).

    A 403 there is not the admins-only one of the export and import: it is a role without
    ticket access, or an OAuth token without the 'read' scope.
    """
    if error.status != 403:
        return with_advice(error, connection, operation=operation, scope="read")
    hint = (
        f"The {connection.auth.mode} may not {operation}: Zendesk allows this to agents and admins"
    )
    if isinstance(connection.auth, OAuthTokenAuth):
        hint += ", and the OAuth token needs the 'read' scope"
    return error.with_hint(hint + "; check the user's role")
