"""Routes at the site root: the GS1 Digital Link resolver and the phone sign-in.

Included from ``config.urls`` without a prefix, since the URI printed in the
QR code is ``https://<host>/01/<gtin>/10/<lot>``.
"""

from django.urls import path, re_path

from . import chain_key, public_views

app_name = "public"

# GTIN (8–14 digits, checked in the view so a bad one gets the friendly 404),
# then the lot (percent-decoded by the server) and an optional /21/ serial.
_LOT = r"^01/(?P<gtin>[^/]+)/10/(?P<rest>.+?)"

urlpatterns = [
    re_path(
        _LOT + r"/actions/(?P<action>[a-z_]+)/?$", public_views.batch_action, name="batch-action"
    ),
    re_path(_LOT + r"/?$", public_views.resolve, name="resolve"),
    path(".well-known/gs1resolver", public_views.resolver_description, name="gs1resolver"),
    path(".well-known/suyuan-chain-key", chain_key.chain_public_key, name="chain-key"),
    path("accounts/login/", public_views.PhoneLoginView.as_view(), name="login"),
    path("accounts/logout/", public_views.PhoneLogoutView.as_view(), name="logout"),
    path("accounts/", public_views.account, name="account"),
    path("lookup/", public_views.lookup, name="lookup"),
    re_path(r"^favicon\.(?P<kind>ico|svg)$", public_views.favicon, name="favicon"),
]
