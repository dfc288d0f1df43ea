from django.conf import settings
from django.utils import translation


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
        if lang not in self.codes:
            return self.get_response(request)
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = lang
        translation.activate(lang)
        response = self.get_response(request)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response
