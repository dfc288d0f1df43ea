from django.db import models
from django.utils.translation import gettext_lazy as _


class SpotCheckStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")


class SpotCheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class SeedSource(models.TextChoices):
    SERVER = "server", _("Drawn by the server")
    GIVEN = "given", _("Given by the regulator")
