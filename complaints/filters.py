from api.parsing import RegionCodeFilter, StrictFilterSet

from .models import Complaint, Report


class ComplaintFilterSet(StrictFilterSet):
    """The regulators' complaint list: status, injury, overdue, incident, batch, the handling
    county's region code, claim, outcome, completeness."""

    region_code = RegionCodeFilter()

    class Meta:
        model = Complaint
        fields = [
            "status",
            "injured",
            "is_overdue",
            "incident",
            "batch",
            "region_code",
            "claim",
            "outcome",
            "complete",
        ]


class ReportFilterSet(StrictFilterSet):
    """The regulators' report list: status, source, real name, overdue, region code."""

    region_code = RegionCodeFilter()

    class Meta:
        model = Report
        fields = ["status", "source", "real_name", "is_overdue", "region_code"]
