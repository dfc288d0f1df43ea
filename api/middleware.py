from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .exceptions import PROBLEM_BASE, PROBLEM_CONTENT_TYPE, errors_of
from .outage import database_unavailable, is_database_outage
from .parsing import InputRefused


class LanguageSwitchMiddleware:
    """``?lang=en`` or ``?lang=zh-hans`` switches the language and remembers it in a cookie.

    Runs before LocaleMiddleware, which then honours the cookie over
    ``Accept-Language``; a phone user taps the switch once and it sticks.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang")
        if "lang" in request.GET:
            # The switch is no input of the page: its form and filters read the query without it
            # (a search page answering 400 to ``?gtin=…&lang=en`` would lose what was typed).
            query = request.GET.copy()
            query.pop("lang")
            request.GET = query
        request.language_urls = self._switch_urls(request)
        if lang not in self.codes:
            return self.get_response(request)
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = lang
        translation.activate(lang)
        response = self.get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax"
        )
        return response

    def _switch_urls(self, request) -> dict[str, str]:
        """The page's own address in each language, the rest of its query kept (what the
        language switch links to): ``{"en": "?gtin=…&lang=en", "zh_hans": …}`` (keys a
        template can name)."""
        urls = {}
        for code in self.codes:
            query = request.GET.copy()
            query["lang"] = code
            urls[code.replace("-", "_")] = "?" + query.urlencode()
        return urls


class RefuseNulMiddleware:
    """A NUL character (``%00``) in the path or the query string is refused with a 400.

    No database text column can hold U+0000 (PostgreSQL refuses it with an error), and no
    identifier, lot, query name or filter value of ours contains one; refusing it here
    means no view can forget to. JSON bodies are checked where they are parsed (DRF's
    ``CharField`` and the EPCIS document validation).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            epcis = request.path.startswith("/epcis/")
            message = str(_("The address may not contain the NUL character (U+0000)."))
            return JsonResponse(
                {
                    "type": (
                        "epcisException:QueryParameterException"
                        if epcis
                        else PROBLEM_BASE + "nul-character"
                    ),
                    "title": str(_("Invalid input")),
                    "status": 400,
                    "detail": message,
                    "errors": [{"field": None, "rule": "nul_character", "message": message}],
                },
                status=400,
                content_type=PROBLEM_CONTENT_TYPE,
                json_dumps_params={"ensure_ascii": False},
            )
        return self.get_response(request)


class DatabaseOutageMiddleware:
    """A view or template the database cannot serve answers 503 with Retry-After, not a 500.

    DRF views answer through ``api.exceptions`` already; this catches the rest (the consumer
    page, phone forms, the workbench, sign-in), and ``api.outage.server_error`` what a
    middleware raises. Details in ``api.outage``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None


class RefuseInvalidInputMiddleware:
    """A page (a plain Django view) that reads a query parameter through ``api.parsing`` and
    lets its ``InputRefused`` through answers a 400 problem+json naming the field and the
    rule, as the API does, instead of a 500. (DRF views turn it into the same body in
    ``api.exceptions``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, InputRefused):
            return None
        errors = errors_of(exception)
        first = errors[0]
        return JsonResponse(
            {
                "type": PROBLEM_BASE + "validation-error",
                "title": str(_("Invalid input")),
                "status": 400,
                "detail": f"{first['field']}: {first['message']}",
                "errors": errors,
            },
            status=400,
            content_type=PROBLEM_CONTENT_TYPE,
            json_dumps_params={"ensure_ascii": False},
        )
