from rest_framework.negotiation import DefaultContentNegotiation


class FileContentNegotiation(DefaultContentNegotiation):
    """For endpoints that return a file (PNG, SVG, CSV, XLSX): never 406.

    The file is the answer whatever ``Accept`` says; errors still render with
    the first renderer (problem+json).
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Exception:  # NotAcceptable
            return renderers[0], renderers[0].media_type
