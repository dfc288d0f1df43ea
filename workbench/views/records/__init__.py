"""Workbench pages of the records: incidents, complaints (and risk signals), reports
(tip-offs), recalls and official spot checks.

Each page reads through the model's ``visible_to`` rule and each button posts to an action
view that calls the very service the REST API calls; the services decide, the pages only
show which actions the transition tables offer now and relay the services' answers.
"""

from . import complaints, incident_recall, incidents, recalls, reports, spotchecks

urlpatterns = [
    *incidents.urlpatterns,
    *incident_recall.urlpatterns,
    *complaints.urlpatterns,
    *reports.urlpatterns,
    *recalls.urlpatterns,
    *spotchecks.urlpatterns,
]
