"""Who may do what to whose object: the expected answer of every endpoint, for every persona.

Checked by ``tests/test_authz_matrix.py``. ONE ROW PER ENDPOINT + METHOD + OBJECT OWNER:

    METHOD  PATH                   OWNER  anon owner cust rival strgr cnty cnty2 szcty city prov natl

METHOD  GET, POST, PUT, PATCH or DELETE.
PATH    The path exactly as the OpenAPI schema spells it (``/api/v1/batches/{id}/ship/``,
        ``/epcis/queries/{name}``), or, for an HTML page outside the schema, the URL with
        the same kind of placeholders; such rows carry the ``html`` mark after the owner.
        Placeholders: ``{id}`` (the object of the collection it follows: batches, products,
        sites, events, organizations — add yours to ``ID_KINDS`` in the test), ``{gtin}`` and
        ``{lot}`` (the owner's lot), ``{event_id}`` (the EPCIS ID of the owner's event),
        ``{name}`` (the owner's EPCIS named query), ``{subscription_id}``, ``{capture_id}``.
OWNER   Whose object fills the placeholders: ``A`` (enterprise A; its lot A was shipped to
        its customer, and the event is that shipment), ``A*`` (A's lot that never left A),
        ``B`` (enterprise B, elsewhere), ``-`` (no object: a collection; the signed chain
        digest of 2026-11-01 fills ``{day}``). For incidents, ``A^`` is A's customer's
        incident on lot A, accepted by A's county and passed up to Xuzhou city
        (``{batch_id}`` is lot A; ``{attachment_id}`` the incident's photo); ``A@`` is A's own
        report of harm at a place in Wuzhong, Suzhou (320506), handled there; ``A!`` is an
        incident A's county opened against A after an inspection (issue 19). ``A~`` is a
        consumer's complaint against A (the maker of lot A) that A's county accepted.
CELLS   The HTTP status each persona gets, in this order:
          anon   anonymous (no credentials)
          owner  enterprise A's operator (Tongshan county, Xuzhou, Jiangsu: 320312)
          cust   A's downstream customer's operator (Quanshan county, Xuzhou: 320311)
          rival  enterprise B's operator (Hangzhou, Zhejiang: 330106)
          strgr  an enterprise with no tie to A or B (Wuzhong, Suzhou: 320506)
          cnty   the county regulator of A's place (320312)
          cnty2  a county regulator elsewhere (B's county, 330106)
          szcty  a county regulator of another city of A's province (Wuzhong, Suzhou: 320506):
                 it governs neither A nor B, so it sees and files nothing of theirs (issue 19)
          city   Xuzhou city regulator (320300)
          prov   Jiangsu province regulator (320000)
          natl   the national regulator
        Reading the codes: 2xx allowed; 400 allowed, then refused on input (every write is
        sent with the empty JSON body ``{}``, so an allowed write stops at validation and
        nothing is stored); 401 no credentials; 403 refused (role or kind of organization);
        404 hidden (the object exists, but not for you); 302 sent to a login page; 405 the
        method is not offered.

Adding an app (incidents, complaints, recalls): add its rows here (every operation the
schema lists, for objects of A, B and, where it matters, A*), add the objects it needs to
``build_world()`` under ``world.objects["A"]`` / ``["B"]`` and its collection to
``ID_KINDS`` in ``tests/test_authz_matrix.py``. A missing operation fails
``test_every_schema_operation_has_a_row`` with the rows to add; an HTML page no row
reaches fails ``test_every_page_of_the_site_is_reached_by_a_row``.

Why the expectations are what they are (the rules in README "Visibility"): an enterprise
sees its own objects and the lots it made or held (one step up, one step down: EU 178/2002
Art. 18, FSMA 204); a regulator sees what is made or held in its region (region-code prefix:
county 6 digits, city 4, province 2, national all: ``Organization.governs``); writes on lots
are for enterprises; regulators read. An incident is seen by its reporter, the enterprise it
names, and the regulators governing its place or that enterprise once it reached their level
(issue 19). The consumer page and the public lot JSON are public by design.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSONAS = (
    "anonymous",
    "owner",
    "customer",
    "rival",
    "stranger",
    "county",
    "county_elsewhere",
    "county_suzhou",
    "city",
    "province",
    "national",
)
_SHORT = (
    "anon",
    "owner",
    "cust",
    "rival",
    "strgr",
    "cnty",
    "cnty2",
    "szcty",
    "city",
    "prov",
    "natl",
)

MATRIX = """
# METHOD PATH                                                 OWNER       anon owner cust rival strgr cnty cnty2 szcty city prov natl
# --- accounts and the directory
POST   /api/v1/auth/token/                                  -            400   400  400   400   400  400   400   400  400  400  400
# knox logout revokes the token it is called with: a session (what every persona here uses) is no token
POST   /api/v1/auth/logout/                                 -            401   401  401   401   401  401   401   401  401  401  401
POST   /api/v1/auth/logout-all/                             -            401   401  401   401   401  401   401   401  401  401  401
GET    /api/v1/me/                                          -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/organizations/                               -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/organizations/{id}/                          A            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/organizations/{id}/                          B            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/rules/                                       -            200   200  200   200   200  200   200   200  200  200  200
# --- an organization's alert channels (group robots, SMS): its admins only; every persona is an operator
GET    /api/v1/alert-channels/                              -            401   403  403   403   403  403   403   403  403  403  403
POST   /api/v1/alert-channels/                              -            401   403  403   403   403  403   403   403  403  403  403
GET    /api/v1/alert-channels/{id}/                         A            401   403  403   403   403  403   403   403  403  403  403
GET    /api/v1/alert-channels/{id}/                         B            401   403  403   403   403  403   403   403  403  403  403
PATCH  /api/v1/alert-channels/{id}/                         A            401   403  403   403   403  403   403   403  403  403  403
PATCH  /api/v1/alert-channels/{id}/                         B            401   403  403   403   403  403   403   403  403  403  403
DELETE /api/v1/alert-channels/{id}/                         A            401   403  403   403   403  403   403   403  403  403  403
DELETE /api/v1/alert-channels/{id}/                         B            401   403  403   403   403  403   403   403  403  403  403
# --- products and sites
GET    /api/v1/products/                                    -            401   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/products/                                    -            401   400  400   400   400  403   403   403  403  403  403
GET    /api/v1/products/{id}/                               A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/products/{id}/                               B            401   404  404   200   404  404   200   404  404  404  200
PUT    /api/v1/products/{id}/                               A            401   400  404   404   404  403   403   403  403  403  403
PUT    /api/v1/products/{id}/                               B            401   404  404   400   404  403   403   403  403  403  403
PATCH  /api/v1/products/{id}/                               A            401   200  404   404   404  403   403   403  403  403  403
PATCH  /api/v1/products/{id}/                               B            401   404  404   200   404  403   403   403  403  403  403
GET    /api/v1/sites/                                       -            401   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/sites/                                       -            401   400  400   400   400  403   403   403  403  403  403
GET    /api/v1/sites/{id}/                                  A            401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/sites/{id}/                                  B            401   404  404   200   404  404   200   404  404  404  200
PUT    /api/v1/sites/{id}/                                  A            401   400  404   404   404  403   403   403  403  403  403
PUT    /api/v1/sites/{id}/                                  B            401   404  404   400   404  403   403   403  403  403  403
PATCH  /api/v1/sites/{id}/                                  A            401   200  404   404   404  403   403   403  403  403  403
PATCH  /api/v1/sites/{id}/                                  B            401   404  404   200   404  403   403   403  403  403  403
# --- lots
GET    /api/v1/batches/                                     -            401   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/batches/                                     -            401   400  400   400   400  403   403   403  403  403  403
POST   /api/v1/batches/transform/                           -            401   400  400   400   400  403   403   403  403  403  403
POST   /api/v1/scan/                                        -            401   400  400   400   400  400   400   400  400  400  400
GET    /api/v1/batches/{id}/                                A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/                                A*           401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/                                B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/trace/                          A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/trace/                          A*           401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/trace/                          B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/trace.csv                       A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/trace.csv                       B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/trace.xlsx                      A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/trace.xlsx                      B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/qr.png                          A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/qr.png                          B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/qr.svg                          A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/qr.svg                          B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/labels/                         A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/labels/                         A*           401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/labels/                         B            401   404  404   200   404  404   200   404  404  404  200
POST   /api/v1/batches/{id}/inspect/                        A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/inspect/                        A*           401   400  404   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/inspect/                        B            401   404  404   400   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/ship/                           A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/ship/                           A*           401   400  404   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/ship/                           B            401   404  404   400   404  403   403   403  403  403  403
# receive with {} asks for everything on its way; nothing of lot A is on its way to A or its customer
# (it arrived), nothing was ever shipped to B: 409 nothing_in_transit (trace/core/rules.check_receipt)
POST   /api/v1/batches/{id}/receive/                        A            401   409  409   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/receive/                        B            401   404  404   409   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/sell/                           A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/sell/                           B            401   404  404   400   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/destroy/                        A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/destroy/                        B            401   404  404   400   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/hold/                           A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/hold/                           A*           401   400  404   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/hold/                           B            401   404  404   400   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/release/                        A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/batches/{id}/release/                        B            401   404  404   400   404  403   403   403  403  403  403
# --- incidents on a lot (open incidents, for its producer and the regulators who see them)
GET    /api/v1/batches/{batch_id}/incidents/                A            401   200  403   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{batch_id}/incidents/                A*           401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{batch_id}/incidents/                B            401   404  404   200   404  404   200   404  404  404  200
# --- events
GET    /api/v1/events/                                      -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/events/{id}/                                 A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/events/{id}/                                 A*           401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/events/{id}/                                 B            401   404  404   200   404  404   200   404  404  404  200
POST   /api/v1/events/{id}/declare-error/                   A            401   400  400   404   404  403   403   403  403  403  403
POST   /api/v1/events/{id}/declare-error/                   A*           401   400  404   404   404  403   403   403  403  403  403
POST   /api/v1/events/{id}/declare-error/                   B            401   404  404   400   404  403   403   403  403  403  403
# --- tamper evidence: the signed daily chain digests are for regulators
GET    /api/v1/chain/digests/                               -            401   403  403   403   403  200   200   200  200  200  200
GET    /api/v1/chain/digests/{day}/                         -            401   403  403   403   403  200   200   200  200  200  200
# --- incidents (issue 11 §9). A: A's report on lot A, still at the county; A^: the customer's report
# on lot A, accepted by the county and passed up to the city (the producer A sees it once accepted, the
# province and national not yet); B: B's report. Every action but supplement is a regulator's: an
# enterprise gets 403 whatever it sends; the handling county gets 400 (input), 200, or 409 (not now).
# Who may act is checked before the input and the state (issue 11 "Bad input": an action by the wrong
# level), so the city, which sees A^ but does not handle it, gets 403 on the county's handling actions
# (accept … close); it holds A^ (acknowledge, report-up) and may grade (the handling level or above).
GET    /api/v1/incidents/                                   -            401   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/incidents/                                   -            401   400  400   400   400  400   400   400  400  400  400
GET    /api/v1/incidents/counts/                            -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/incidents/{id}/                              A            401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/                              A^           401   200  200   404   404  200   404   404  200  404  404
GET    /api/v1/incidents/{id}/                              B            401   404  404   200   404  404   200   404  404  404  404
GET    /api/v1/incidents/{id}/timeline/                     A            401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/timeline/                     A^           401   200  200   404   404  200   404   404  200  404  404
GET    /api/v1/incidents/{id}/timeline/                     B            401   404  404   200   404  404   200   404  404  404  404
GET    /api/v1/incidents/{id}/attachments/                  A            401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/attachments/                  A^           401   200  200   404   404  200   404   404  200  404  404
GET    /api/v1/incidents/{id}/attachments/                  B            401   404  404   200   404  404   200   404  404  404  404
POST   /api/v1/incidents/{id}/attachments/                  A            401   400  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/attachments/                  A^           401   400  400   404   404  400   404   404  400  404  404
POST   /api/v1/incidents/{id}/attachments/                  B            401   404  404   400   404  404   400   404  404  404  404
GET    /api/v1/incidents/{id}/attachments/{attachment_id}/  A            401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/attachments/{attachment_id}/  A^           401   200  200   404   404  200   404   404  200  404  404
GET    /api/v1/incidents/{id}/attachments/{attachment_id}/  B            401   404  404   200   404  404   200   404  404  404  404
POST   /api/v1/incidents/{id}/accept/                       A            401   403  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/accept/                       A^           401   403  403   404   404  409   404   404  403  404  404
POST   /api/v1/incidents/{id}/accept/                       B            401   404  404   403   404  404   200   404  404  404  404
POST   /api/v1/incidents/{id}/reject/                       A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/reject/                       A^           401   403  403   404   404  400   404   404  403  404  404
POST   /api/v1/incidents/{id}/merge/                        A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/merge/                        A^           401   403  403   404   404  400   404   404  403  404  404
POST   /api/v1/incidents/{id}/report-up/                    A            401   403  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/report-up/                    A^           401   403  403   404   404  403   404   404  200  404  404
POST   /api/v1/incidents/{id}/report-up/                    B            401   404  404   403   404  404   200   404  404  404  404
POST   /api/v1/incidents/{id}/grade/                        A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/grade/                        A^           401   403  403   404   404  400   404   404  400  404  404
POST   /api/v1/incidents/{id}/respond/                      A            401   403  404   404   404  409   404   404  404  404  404
POST   /api/v1/incidents/{id}/respond/                      A^           401   403  403   404   404  200   404   404  403  404  404
POST   /api/v1/incidents/{id}/investigate/                  A            401   403  404   404   404  409   404   404  404  404  404
POST   /api/v1/incidents/{id}/investigate/                  A^           401   403  403   404   404  200   404   404  403  404  404
POST   /api/v1/incidents/{id}/extend/                       A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/extend/                       A^           401   403  403   404   404  400   404   404  403  404  404
POST   /api/v1/incidents/{id}/conclude/                     A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/conclude/                     A^           401   403  403   404   404  400   404   404  403  404  404
POST   /api/v1/incidents/{id}/transfer/                     A            401   403  404   404   404  400   404   404  404  404  404
POST   /api/v1/incidents/{id}/transfer/                     A^           401   403  403   404   404  400   404   404  403  404  404
POST   /api/v1/incidents/{id}/close/                        A            401   403  404   404   404  409   404   404  404  404  404
POST   /api/v1/incidents/{id}/close/                        A^           401   403  403   404   404  409   404   404  403  404  404
POST   /api/v1/incidents/{id}/supplement/                   A            401   200  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/supplement/                   A^           401   403  200   404   404  200   404   404  403  404  404
POST   /api/v1/incidents/{id}/supplement/                   B            401   404  404   200   404  404   200   404  404  404  404
POST   /api/v1/incidents/{id}/acknowledge/                  A            401   403  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/acknowledge/                  A^           401   403  403   404   404  403   404   404  200  404  404
POST   /api/v1/incidents/{id}/acknowledge/                  B            401   404  404   403   404  404   200   404  404  404  404
# escalation (incidents/escalation.py): the level holding the incident above the handling level
# takes it over ({} needs no reason: 200) or urges the handling level ({} has no deadline: 400);
# only a level that took it over hands it back (403 otherwise). A is still at its county.
POST   /api/v1/incidents/{id}/take-over/                    A            401   403  404   404   404  403   404   404  404  404  404
POST   /api/v1/incidents/{id}/take-over/                    A^           401   403  403   404   404  403   404   404  200  404  404
POST   /api/v1/incidents/{id}/take-over/                    B            401   404  404   403   404  404   403   404  404  404  404
POST   /api/v1/incidents/{id}/urge/                         A            401   403  404   404   404  403   404   404  404  404  404
POST   /api/v1/incidents/{id}/urge/                         A^           401   403  403   404   404  403   404   404  400  404  404
POST   /api/v1/incidents/{id}/urge/                         B            401   404  404   403   404  404   403   404  404  404  404
POST   /api/v1/incidents/{id}/hand-back/                    A            401   403  404   404   404  403   404   404  404  404  404
POST   /api/v1/incidents/{id}/hand-back/                    A^           401   403  403   404   404  403   404   404  403  404  404
POST   /api/v1/incidents/{id}/hand-back/                    B            401   404  404   403   404  404   403   404  404  404  404
# issue 19: A@ is A's report of harm in Wuzhong, Suzhou (320506): the Suzhou county handles it,
# A's own county sees it as the enterprise's regulator (it does not handle it: 403 on accept);
# A! is an incident A's county opened against A: A sees it at once and answers it (answer: the
# enterprise named, when someone else filed it; {} has no statement: 400). Strangers see nothing.
GET    /api/v1/incidents/{id}/                              A@           401   200  404   404   404  200   404   200  404  404  404
GET    /api/v1/incidents/{id}/                              A!           401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/timeline/                     A@           401   200  404   404   404  200   404   200  404  404  404
GET    /api/v1/incidents/{id}/timeline/                     A!           401   200  404   404   404  200   404   404  404  404  404
GET    /api/v1/incidents/{id}/attachments/                  A!           401   200  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/accept/                       A@           401   403  404   404   404  403   404   200  404  404  404
POST   /api/v1/incidents/{id}/accept/                       A!           401   403  404   404   404  200   404   404  404  404  404
POST   /api/v1/incidents/{id}/grade/                        A@           401   403  404   404   404  403   404   400  404  404  404
POST   /api/v1/incidents/{id}/supplement/                   A@           401   200  404   404   404  403   404   200  404  404  404
POST   /api/v1/incidents/{id}/answer/                       A            401   403  404   404   404  403   404   404  404  404  404
POST   /api/v1/incidents/{id}/answer/                       A^           401   403  403   404   404  403   404   404  403  404  404
POST   /api/v1/incidents/{id}/answer/                       A@           401   403  404   404   404  403   404   403  404  404  404
POST   /api/v1/incidents/{id}/answer/                       A!           401   400  404   404   404  403   404   404  404  404  404
POST   /api/v1/incidents/{id}/answer/                       B            401   404  404   403   404  404   403   404  404  404  404
# --- recalls (issue 13). A: A's recall, active, its lot shipped to the customer (notified, with an
# acknowledgement link {token}); B: B's recall, submitted, not yet active. The consignee sees A's recall
# and writes nothing on it (403); the producer's actions are the producer's, approve and close the
# regulators' of the place (409: not in the recall's present state). Who may act is checked before the
# input and the state, so the regulators get 403 on what only the producer of a voluntary recall does
# (activate, cancel, the summary report) whatever they send. B's rows that would only mirror A's
# are left out to keep the run short. The acknowledgement link is the consignee's credential: public.
# Both recalls are food recalls opened from 2026-12-01: their plans are reported to the districted
# city or higher (SAMR Order 122 Art. 5 ¶3), so a county regulator may not approve them (403
# plan-receiver-level, before the state).
GET    /api/v1/recalls/                                     -            401   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/recalls/                                     -            401   400  400   400   400  400   400   400  400  400  400
POST   /api/v1/recalls/drill/                               -            401   400  400   400   400  400   400   400  400  400  400
GET    /api/v1/recalls/{id}/                                A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/recalls/{id}/                                B            401   404  404   200   404  404   200   404  404  404  200
PATCH  /api/v1/recalls/{id}/                                A            401   400  403   404   404  403   404   404  403  403  403
PATCH  /api/v1/recalls/{id}/                                B            401   404  404   400   404  404   403   404  404  404  403
GET    /api/v1/recalls/{id}/scope/                          A            401   200  403   404   404  200   404   404  200  200  200
GET    /api/v1/recalls/{id}/scope/                          B            401   404  404   200   404  404   200   404  404  404  200
POST   /api/v1/recalls/{id}/scope/                          A            401   409  403   404   404  403   404   404  403  403  403
GET    /api/v1/recalls/{id}/timeline/                       A            401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/recalls/{id}/notices/                        A            401   200  200   404   404  200   404   404  200  200  200
POST   /api/v1/recalls/{id}/submit/                         A            401   409  403   404   404  403   404   404  403  403  403
POST   /api/v1/recalls/{id}/submit/                         B            401   404  404   409   404  404   403   404  404  404  403
POST   /api/v1/recalls/{id}/approve/                        A            401   403  403   404   404  403   404   404  409  409  409
POST   /api/v1/recalls/{id}/approve/                        B            401   404  404   403   404  404   403   404  404  404  200
POST   /api/v1/recalls/{id}/activate/                       A            401   409  403   404   404  403   404   404  403  403  403
POST   /api/v1/recalls/{id}/activate/                       B            401   404  404   200   404  404   403   404  404  404  403
POST   /api/v1/recalls/{id}/object/                         A            401   409  403   404   404  403   404   404  403  403  403
POST   /api/v1/recalls/{id}/decide-objection/               A            401   403  403   404   404  400   404   404  400  400  400
POST   /api/v1/recalls/{id}/order/                          A            401   403  403   404   404  403   404   404  403  403  400
POST   /api/v1/recalls/{id}/terminate/                      A            401   400  403   404   404  400   404   404  400  400  400
POST   /api/v1/recalls/{id}/cancel/                         A            401   409  403   404   404  403   404   404  403  403  403
POST   /api/v1/recalls/{id}/complete/                       A            401   200  403   404   404  403   404   404  403  403  403
POST   /api/v1/recalls/{id}/close/                          A            401   403  403   404   404  409   404   404  409  409  409
GET    /api/v1/recalls/{id}/progress-reports/               A            401   200  403   404   404  200   404   404  200  200  200
GET    /api/v1/recalls/{id}/progress-reports/               B            401   404  404   200   404  404   200   404  404  404  200
POST   /api/v1/recalls/{id}/progress-reports/               A            401   201  403   404   404  403   404   404  403  403  403
GET    /api/v1/recalls/{id}/summary-report/                 A            401   404  403   404   404  404   404   404  404  404  404
POST   /api/v1/recalls/{id}/summary-report/                 A            401   400  403   404   404  403   404   404  403  403  403
GET    /api/v1/public/recalls/                              -            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/incident-results/                     -            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/recall-ack/{token}/                   A            200   200  200   200   200  200   200   200  200  200  200
POST   /api/v1/public/recall-ack/{token}/                   A            400   400  400   400   400  400   400   400  400  400  400
# --- official spot checks (双随机、一公开, Sichuan draft Art. 27). A: A's county drew A and recorded a
# pass (published; A sees its own concluded check). Draws are the regulators' (an enterprise 403);
# the result is recorded by the regulator that drew it (others who see the check 403).
GET    /api/v1/spot-check-draws/                            -            401   403  403   403   403  200   200   200  200  200  200
POST   /api/v1/spot-check-draws/                            -            401   403  403   403   403  400   400   400  400  400  400
GET    /api/v1/spot-check-draws/{id}/                       A            401   403  403   403   403  200   404   404  200  200  200
GET    /api/v1/spot-check-draws/{id}/verify/                A            401   403  403   403   403  200   404   404  200  200  200
GET    /api/v1/spot-checks/                                 -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/spot-checks/{id}/                            A            401   200  404   404   404  200   404   404  200  200  200
POST   /api/v1/spot-checks/{id}/record/                     A            401   403  404   404   404  400   404   404  403  403  403
GET    /api/v1/public/spot-checks/                          -            200   200  200   200   200  200   200   200  200  200  200
# --- quality credit (Hangzhou Art. 23, Xinjiang Art. 32; the SIP quality award, seed 004). The
# disclosure is public; the full record is the enterprise's and its regulators'; the enterprise
# objects, applies for repair, declares award conditions and files written reports; a regulator
# governing it decides; the award office (county or city, AWARD_OFFICE_LEVELS) verifies and
# revokes. A's pending objection, award declaration and award fill {id}.
GET    /api/v1/public/credit/{organization_id}/             A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/credit/{organization_id}/             B            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/credit/                                      -            401   403  403   403   403  200   200   200  200  200  200
GET    /api/v1/credit/{organization_id}/                    A            401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/credit/{organization_id}/                    B            401   404  404   200   404  404   200   404  404  404  200
POST   /api/v1/credit/{organization_id}/objections/         A            401   400  404   404   404  403   404   404  403  403  403
POST   /api/v1/credit/{organization_id}/repairs/            A            401   400  404   404   404  403   404   404  403  403  403
POST   /api/v1/credit/{organization_id}/award-declarations/ A            401   400  404   404   404  403   404   404  403  403  403
POST   /api/v1/credit/{organization_id}/award-reports/      A            401   400  404   404   404  403   404   404  403  403  403
POST   /api/v1/credit/requests/{id}/decide/                 A            401   403  404   404   404  400   404   404  400  400  400
POST   /api/v1/credit/award-declarations/{id}/verify/       A            401   403  404   404   404  400   404   404  400  403  403
POST   /api/v1/credit/awards/{id}/revoke/                   A            401   403  404   404   404  400   404   404  400  403  403
# --- public (by design: the consumer scans the code on the pack)
GET    /api/v1/public/batches/{gtin}/{lot}/                 A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/batches/{gtin}/{lot}/                 B            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/batches/{gtin}/{lot}/recall-status/   A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/batches/{gtin}/{lot}/recall-status/   B            200   200  200   200   200  200   200   200  200  200  200
# --- EPCIS 2.0
GET    /epcis/                                              -            401   200  200   200   200  200   200   200  200  200  200
GET    /epcis/capture                                       -            401   200  200   200   200  200   200   200  200  200  200
POST   /epcis/capture                                       -            401   400  400   400   400  403   403   403  403  403  403
GET    /epcis/capture/{capture_id}                          A            401   200  404   404   404  404   404   404  404  404  404
GET    /epcis/capture/{capture_id}                          B            401   404  404   200   404  404   404   404  404  404  404
GET    /epcis/events                                        -            401   200  200   200   200  200   200   200  200  200  200
GET    /epcis/events/{event_id}                             A            401   200  200   404   404  200   404   404  200  200  200
GET    /epcis/events/{event_id}                             A*           401   200  404   404   404  200   404   404  200  200  200
GET    /epcis/events/{event_id}                             B            401   404  404   200   404  404   200   404  404  404  200
GET    /epcis/queries                                       -            401   200  200   200   200  200   200   200  200  200  200
POST   /epcis/queries                                       -            401   400  400   400   400  400   400   400  400  400  400
GET    /epcis/queries/{name}                                A            401   200  404   404   404  404   404   404  404  404  404
GET    /epcis/queries/{name}                                B            401   404  404   200   404  404   404   404  404  404  404
DELETE /epcis/queries/{name}                                A            401   204  404   404   404  404   404   404  404  404  404
DELETE /epcis/queries/{name}                                B            401   404  404   204   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/events                         A            401   200  404   404   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/events                         B            401   404  404   200   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/subscriptions                  A            401   200  404   404   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/subscriptions                  B            401   404  404   200   404  404   404   404  404  404  404
POST   /epcis/queries/{name}/subscriptions                  A            401   400  404   404   404  404   404   404  404  404  404
POST   /epcis/queries/{name}/subscriptions                  B            401   404  404   400   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/subscriptions/{subscription_id} A            401   200  404   404   404  404   404   404  404  404  404
GET    /epcis/queries/{name}/subscriptions/{subscription_id} B            401   404  404   200   404  404   404   404  404  404  404
DELETE /epcis/queries/{name}/subscriptions/{subscription_id} A            401   204  404   404   404  404   404   404  404  404  404
DELETE /epcis/queries/{name}/subscriptions/{subscription_id} B            401   404  404   204   404  404   404   404  404  404  404
# --- complaints, risk signals, consumer warnings (issue 12): anonymous submission and lookup are
# public (rate-limited per client: all personas here are one client, so from the sixth POST on the
# answer is 429); complaints are read by the regulators of the place, acted on only by the county
# that handles them; signals are read by those regulators and the producer, decided by regulators.
POST   /api/v1/public/complaints/                           -            400   400  400   400   400  429   429   429  429  429  429
GET    /api/v1/public/complaints/{tracking_code}/           A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/complaints/{tracking_code}/           B            200   200  200   200   200  200   200   200  200  200  200
# The complainant withdraws with the tracking code and the phone's last four digits (SAMR Order
# 20 Art. 21 ¶1 (1)): public, rate-limited like the intake (counted apart); {} is refused on input.
POST   /api/v1/public/complaints/{tracking_code}/withdraw/  A            400   400  400   400   400  429   429   429  429  429  429
GET    /api/v1/public/warnings/                             -            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/public/warnings/{id}/                        A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/complaints/                                  -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/complaints/injury-groups/                    -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/complaints/{id}/                             A            401   404  404   404   404  200   404   404  200  200  200
GET    /api/v1/complaints/{id}/                             B            401   404  404   404   404  404   200   404  404  404  200
GET    /api/v1/complaints/{id}/timeline/                    A            401   404  404   404   404  200   404   404  200  200  200
GET    /api/v1/complaints/{id}/photos/{photo_id}/           A            401   404  404   404   404  404   404   404  404  404  404
POST   /api/v1/complaints/{id}/accept/                      A            401   404  404   404   404  200   404   404  403  403  403
POST   /api/v1/complaints/{id}/accept/                      B            401   404  404   404   404  404   200   404  404  404  403
POST   /api/v1/complaints/{id}/decline/                     A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/reply/                       A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/forward/                     A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/close/                       A            401   404  404   404   404  409   404   404  403  403  403
POST   /api/v1/complaints/{id}/merge/                       A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/convert/                     A            401   404  404   404   404  200   404   404  403  403  403
POST   /api/v1/complaints/{id}/to-report/                   A            401   404  404   404   404  201   404   404  403  403  403
POST   /api/v1/complaints/{id}/link-respondent/             A            401   404  404   404   404  400   404   404  403  403  403
# Mediation (SAMR Order 20 Arts. 16–22; Consumer Rights Regulation Arts. 46–47): the handling
# county acts; A is still submitted (pause, resume: only in mediation → 400 on input / 409).
POST   /api/v1/complaints/{id}/pause/                       A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/resume/                      A            401   404  404   404   404  409   404   404  403  403  403
POST   /api/v1/complaints/{id}/record-agreement/            A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/terminate/                   A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/complaints/{id}/withdraw/                    A            401   404  404   404   404  200   404   404  403  403  403
POST   /api/v1/complaints/{id}/notify-parties/              A            401   404  404   404   404  409   404   404  403  403  403
# The respondent enterprise's complaints (A~: against A, accepted by A's county); before
# acceptance (A) nobody's. Regulators read them on /api/v1/complaints/.
GET    /api/v1/enterprise/complaints/                       -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/enterprise/complaints/{id}/                  A~           401   200  404   404   404  404   404   404  404  404  404
GET    /api/v1/enterprise/complaints/{id}/                  A            401   404  404   404   404  404   404   404  404  404  404
POST   /api/v1/enterprise/complaints/{id}/answer/           A~           401   400  404   404   404  404   404   404  404  404  404
POST   /api/v1/enterprise/complaints/{id}/agree-mediation/  A~           401   200  404   404   404  404   404   404  404  404  404
POST   /api/v1/enterprise/complaints/{id}/refuse-mediation/ A~           401   200  404   404   404  404   404   404  404  404  404
POST   /api/v1/enterprise/complaints/{id}/agree-mediation/  A            401   404  404   404   404  404   404   404  404  404  404
# the city acts on a complaint escalated to it (complaints/escalation.py); A is not escalated: 403
POST   /api/v1/complaints/{id}/take-over/                   A            401   404  404   404   404  403   404   404  403  403  403
POST   /api/v1/complaints/{id}/take-over/                   B            401   404  404   404   404  404   403   404  404  404  403
POST   /api/v1/complaints/{id}/urge/                        A            401   404  404   404   404  403   404   404  403  403  403
POST   /api/v1/complaints/{id}/hand-back/                   A            401   404  404   404   404  403   404   404  403  403  403
# --- reports (举报, issue 22): anyone reports (rate-limited per client like complaints, counted
# apart) and reads the stage by tracking code; regulators of the place read reports, only the
# county of the place acts; enterprises never see a report (SAMR Order 20 Art. 33).
POST   /api/v1/public/reports/                              -            400   400  400   400   400  429   429   429  429  429  429
GET    /api/v1/public/reports/{code}/                       A            200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/reports/                                     -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/reports/{id}/                                A            401   404  404   404   404  200   404   404  200  200  200
GET    /api/v1/reports/{id}/timeline/                       A            401   404  404   404   404  200   404   404  200  200  200
POST   /api/v1/reports/{id}/verify/                         A            401   404  404   404   404  200   404   404  403  403  403
POST   /api/v1/reports/{id}/open-case/                      A            401   404  404   404   404  409   404   404  403  403  403
POST   /api/v1/reports/{id}/decline/                        A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/reports/{id}/extend/                         A            401   404  404   404   404  400   404   404  403  403  403
POST   /api/v1/reports/{id}/tell-reporter/                  A            401   404  404   404   404  409   404   404  403  403  403
GET    /api/v1/signals/                                     -            401   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/signals/{id}/                                A            401   200  404   404   404  200   404   404  200  200  200
GET    /api/v1/signals/{id}/                                B            401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/signals/{id}/timeline/                       A            401   200  404   404   404  200   404   404  200  200  200
POST   /api/v1/signals/{id}/confirm/                        A            401   403  404   404   404  200   404   404  200  200  200
POST   /api/v1/signals/{id}/confirm/                        B            401   404  404   403   404  404   200   404  404  404  200
POST   /api/v1/signals/{id}/dismiss/                        A            401   403  404   404   404  400   404   404  400  400  400
POST   /api/v1/signals/{id}/publish/                        A            401   403  404   404   404  400   404   404  400  400  400
GET    /report/                                             - html       200   200  200   200   200  200   200   200  200  200  200
GET    /report/status/                                      - html       200   200  200   200   200  200   200   200  200  200  200
GET    /report/status/{tracking_code}/                      A html       200   200  200   200   200  200   200   200  200  200  200
POST   /report/status/{tracking_code}/withdraw/             A html       400   400  400   400   400  429   429   429  429  429  429
GET    /report/01/{gtin}/10/{lot}/                          A html       200   200  200   200   200  200   200   200  200  200  200
GET    /report/tip/01/{gtin}/10/{lot}/                      A html       200   200  200   200   200  200   200   200  200  200  200
# --- HTML pages and other routes outside the schema
GET    /01/{gtin}/10/{lot}                                  A html       200   200  200   200   200  200   200   200  200  200  200
GET    /01/{gtin}/10/{lot}                                  B html       200   200  200   200   200  200   200   200  200  200  200
POST   /01/{gtin}/10/{lot}/actions/hold                     A html       302   302  403   403   403  403   403   403  403  403  403
POST   /01/{gtin}/10/{lot}/actions/hold                     B html       302   403  403   302   403  403   403   403  403  403  403
GET    /.well-known/gs1resolver                             - html       200   200  200   200   200  200   200   200  200  200  200
GET    /accounts/login/                                     - html       200   302  302   302   302  302   302   302  302  302  302
GET    /accounts/                                           - html       302   200  200   200   200  200   200   200  200  200  200
POST   /accounts/logout/                                    - html       302   302  302   302   302  302   302   302  302  302  302
GET    /api-auth/login/                                     - html       200   200  200   200   200  200   200   200  200  200  200
GET    /api/schema/                                         - html       200   200  200   200   200  200   200   200  200  200  200
GET    /api/docs/                                           - html       200   200  200   200   200  200   200   200  200  200  200
POST   /api-auth/logout/                                    - html       200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/batches/{id}/qr.png/                         A html       401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/qr.png/                         B html       401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/qr.svg/                         A html       401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/qr.svg/                         B html       401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/trace.csv/                      A html       401   200  200   404   404  200   404   404  200  200  200
GET    /api/v1/batches/{id}/trace.csv/                      B html       401   404  404   200   404  404   200   404  404  404  200
GET    /api/v1/batches/{id}/trace.xlsx/                     A html       404   404  404   404   404  404   404   404  404  404  404
GET    /api/v1/batches/{id}/trace.xlsx/                     B html       404   404  404   404   404  404   404   404  404  404  404
GET    /api/v1/public/recalls/feed.atom                     - html       200   200  200   200   200  200   200   200  200  200  200
GET    /credit/{organization_id}/                           A html       200   200  200   200   200  200   200   200  200  200  200
GET    /credit/{organization_id}/                           B html       200   200  200   200   200  200   200   200  200  200  200
GET    /recalls/{number}/                                   A html       200   200  200   200   200  200   200   200  200  200  200
GET    /recalls/{number}/                                   B html       404   404  404   404   404  404   404   404  404  404  404
GET    /recall-ack/{token}/                                 A html       200   200  200   200   200  200   200   200  200  200  200
GET    /healthz                                             - html       200   200  200   200   200  200   200   200  200  200  200
GET    /.well-known/suyuan-chain-key                        - html       200   200  200   200   200  200   200   200  200  200  200
GET    /favicon.ico                                         - html       200   200  200   200   200  200   200   200  200  200  200
GET    /lookup/                                             - html       200   200  200   200   200  200   200   200  200  200  200
GET    /api/v1/                                             - html       401   200  200   200   200  200   200   200  200  200  200
GET    /                                                    - html       302   302  302   302   302  302   302   302  302  302  302
GET    /admin/                                              - html       302   302  302   302   302  302   302   302  302  302  302
GET    /admin/login/                                        - html       200   200  200   200   200  200   200   200  200  200  200
GET    /admin/trace/batch/                                  - html       302   302  302   302   302  302   302   302  302  302  302
GET    /admin/trace/event/                                  - html       302   302  302   302   302  302   302   302  302  302  302
# --- the dashboard's figures for regulators' own systems (workbench/api.py): regulators only
GET    /api/v1/dashboard/                                   -            401   403  403   403   403  200   200   200  200  200  200
# --- the workbench (pages for signed-in people; anonymous goes to the sign-in page)
GET    /workbench/                                          - html       302   200  200   200   200  200   200   200  200  200  200
# --- workbench: incident, complaint and recall pages
# Pages read through the same visible_to rules as the API (same 404s). A button posts and is
# redirected back (302) whatever the service answers: its refusal (403, 404 of the rule, 409, 400)
# is then shown as a message on the page (tests/workbench/test_records.py checks which).
GET    /workbench/inbox/items/                              - html       302   200  200   200   200  200   200   200  200  200  200
GET    /workbench/incidents/                                - html       302   200  200   200   200  200   200   200  200  200  200
GET    /workbench/incidents/{id}/                           A html       302   200  404   404   404  200   404   404  404  404  404
GET    /workbench/incidents/{id}/                           A^ html      302   200  200   404   404  200   404   404  200  404  404
GET    /workbench/incidents/{id}/                           B html       302   404  404   200   404  404   200   404  404  404  404
POST   /workbench/incidents/{id}/do/accept/                 A html       302   302  404   404   404  302   404   404  404  404  404
POST   /workbench/incidents/{id}/do/accept/                 B html       302   404  404   302   404  404   302   404  404  404  404
POST   /workbench/incidents/{id}/do/report-up/              A^ html      302   302  302   404   404  302   404   404  302  404  404
POST   /workbench/incidents/{id}/do/supplement/             A html       302   302  404   404   404  302   404   404  404  404  404
POST   /workbench/incidents/{id}/do/take-over/              A^ html      302   302  302   404   404  302   404   404  302  404  404
POST   /workbench/incidents/{id}/do/urge/                   A^ html      302   302  302   404   404  302   404   404  302  404  404
POST   /workbench/incidents/{id}/do/hand-back/              A^ html      302   302  302   404   404  302   404   404  302  404  404
GET    /workbench/incidents/{id}/                           A@ html      302   200  404   404   404  200   404   200  404  404  404
GET    /workbench/incidents/{id}/                           A! html      302   200  404   404   404  200   404   404  404  404  404
POST   /workbench/incidents/{id}/do/answer/                 A! html      302   302  404   404   404  302   404   404  404  404  404
POST   /workbench/incidents/{id}/do/accept/                 A@ html      302   302  404   404   404  302   404   302  404  404  404
# ordering a recall from an incident's page: the regulators governing the producer of its lots,
# once they see the incident (an enterprise: 403; an empty form: 400). Lot A is food: from
# 2026-12-01 a county may not order its recall (SAMR Order 122 Art. 20: a districted city or
# higher), so the counties that see the incident get 403 and the city 200
GET    /workbench/incidents/{id}/order-recall/              A html       302   403  404   404   404  403   404   404  404  404  404
GET    /workbench/incidents/{id}/order-recall/              A^ html      302   403  403   404   404  403   404   404  200  404  404
GET    /workbench/incidents/{id}/order-recall/              B html       302   404  404   403   404  404   403   404  404  404  404
POST   /workbench/incidents/{id}/order-recall/              A html       302   403  404   404   404  403   404   404  404  404  404
POST   /workbench/incidents/{id}/order-recall/              A^ html      302   403  403   404   404  403   404   404  400  404  404
POST   /workbench/incidents/{id}/order-recall/              B html       302   404  404   403   404  404   403   404  404  404  404
# A's report of harm in Wuzhong: the Wuzhong county handles it but does not govern A (403)
GET    /workbench/incidents/{id}/order-recall/              A@ html      302   403  404   404   404  403   404   403  404  404  404
GET    /workbench/complaints/                               - html       302   200  200   200   200  200   200   200  200  200  200
GET    /workbench/complaints/{id}/                          A html       302   404  404   404   404  200   404   404  200  200  200
GET    /workbench/complaints/{id}/                          B html       302   404  404   404   404  404   200   404  404  404  200
POST   /workbench/complaints/{id}/do/accept/                A html       302   404  404   404   404  302   404   404  302  302  302
POST   /workbench/complaints/{id}/do/decline/               A html       302   404  404   404   404  302   404   404  302  302  302
POST   /workbench/complaints/{id}/do/take-over/             A html       302   404  404   404   404  302   404   404  302  302  302
GET    /workbench/signals/{id}/                             A html       302   200  404   404   404  200   404   404  200  200  200
GET    /workbench/signals/{id}/                             B html       302   404  404   200   404  404   200   404  404  404  200
POST   /workbench/signals/{id}/do/confirm/                  A html       302   302  404   404   404  302   404   404  302  302  302
GET    /workbench/recalls/                                  - html       302   200  200   200   200  200   200   200  200  200  200
GET    /workbench/recalls/{id}/                             A html       302   200  200   404   404  200   404   404  200  200  200
GET    /workbench/recalls/{id}/                             B html       302   404  404   200   404  404   200   404  404  404  200
POST   /workbench/recalls/{id}/do/approve/                  B html       302   404  404   302   404  404   302   404  404  404  302
POST   /workbench/recalls/{id}/do/progress-report/          A html       302   302  302   404   404  302   404   404  302  302  302

# --- workbench: reports (举报) and official spot checks (issue 22), regulators' pages only (an
# enterprise gets the 403 page). A report: the regulators of the reported place; only its county
# acts (the city's and province's posts come back with the refusal as a message). A draw and its
# checks: the regulators whose jurisdiction holds them; an empty draw form is refused on input.
GET    /workbench/tips/                                     - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/tips/{id}/                                A html       302   403  403   403   403  200   404   404  200  200  200
GET    /workbench/tips/{id}/                                B html       302   403  403   403   403  404   200   404  404  404  200
POST   /workbench/tips/{id}/do/verify/                      A html       302   403  403   403   403  302   404   404  302  302  302
POST   /workbench/tips/{id}/do/open-case/                   A html       302   403  403   403   403  302   404   404  302  302  302
POST   /workbench/tips/{id}/do/decline/                     A html       302   403  403   403   403  302   404   404  302  302  302
GET    /workbench/spot-checks/                              - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/spot-checks/draw/                         - html       302   403  403   403   403  200   200   200  200  200  200
POST   /workbench/spot-checks/draw/                         - html       302   403  403   403   403  400   400   400  400  400  400
GET    /workbench/spot-checks/draws/{id}/                   A html       302   403  403   403   403  200   404   404  200  200  200
GET    /workbench/spot-checks/draws/{id}/                   B html       302   403  403   403   403  404   200   404  404  404  200
GET    /workbench/spot-checks/draws/{id}/verify/            A html       302   403  403   403   403  200   404   404  200  200  200
POST   /workbench/spot-checks/checks/{id}/record/           A html       302   403  403   403   403  302   404   404  302  302  302
POST   /workbench/spot-checks/checks/{id}/record/           B html       302   403  403   403   403  404   302   404  404  404  302
# --- workbench: enterprise pages
GET    /workbench/lots/                                     - html       302   200  200   200   200  403   403   403  403  403  403
GET    /workbench/lots/new/                                 - html       302   200  200   200   200  403   403   403  403  403  403
# the scan app (offline-capable): its page and record endpoint are the enterprises'; its manifest and
# service worker hold nothing private (the worker caches the page only for whoever opened it)
GET    /workbench/scan/                                     - html       302   200  200   200   200  403   403   403  403  403  403
POST   /workbench/scan/record/                              - html       302   400  400   400   400  403   403   403  403  403  403
GET    /workbench/scan/manifest.webmanifest                 - html       200   200  200   200   200  200   200   200  200  200  200
GET    /workbench/scan/sw.js                                - html       200   200  200   200   200  200   200   200  200  200  200
POST   /workbench/lots/new/                                 - html       302   400  400   400   400  403   403   403  403  403  403
GET    /workbench/lots/{batch_id}/                          A html       302   200  200   404   404  403   403   403  403  403  403
GET    /workbench/lots/{batch_id}/                          A* html      302   200  404   404   404  403   403   403  403  403  403
GET    /workbench/lots/{batch_id}/                          B html       302   404  404   200   404  403   403   403  403  403  403
GET    /workbench/lots/{batch_id}/trace/                    A html       302   200  200   404   404  200   404   404  200  200  200
GET    /workbench/lots/{batch_id}/labels/                   A html       302   200  200   404   404  200   404   404  200  200  200
GET    /workbench/lots/{batch_id}/qr.svg                    A html       302   200  200   404   404  200   404   404  200  200  200
GET    /workbench/incidents/{id}/attachments/{attachment_id}/ A^ html    302   200  200   404   404  200   404   404  200  404  404
GET    /workbench/complaints/{id}/photos/{photo_id}/        A html       302   404  404   404   404  404   404   404  404  404  404
POST   /workbench/lots/{batch_id}/ship/                     A html       302   400  400   404   404  403   403   403  403  403  403
POST   /workbench/lots/{batch_id}/ship/                     B html       302   404  404   400   404  403   403   403  403  403  403
POST   /workbench/lots/{batch_id}/hold/                     A* html      302   400  404   404   404  403   403   403  403  403  403
GET    /workbench/enterprise/incidents/new/                 - html       302   200  200   200   200  403   403   403  403  403  403
POST   /workbench/enterprise/incidents/new/                 - html       302   400  400   400   400  403   403   403  403  403  403
GET    /workbench/enterprise/recalls/new/                   - html       302   200  200   200   200  403   403   403  403  403  403
POST   /workbench/enterprise/recalls/new/                   - html       302   400  400   400   400  403   403   403  403  403  403
GET    /workbench/enterprise/recalls/{id}/scope/            A html       302   200  403   404   404  403   403   403  403  403  403
GET    /workbench/enterprise/recalls/{id}/scope/            B html       302   404  404   200   404  403   403   403  403  403  403
POST   /workbench/enterprise/recalls/{id}/scope/            A html       302   400  403   404   404  403   403   403  403  403  403
POST   /workbench/enterprise/recalls/{id}/scope/            B html       302   404  404   400   404  403   403   403  403  403  403
GET    /workbench/enterprise/recalls/{id}/acknowledge/      A html       302   404  200   404   404  403   403   403  403  403  403
POST   /workbench/enterprise/recalls/{id}/acknowledge/      A html       302   404  400   404   404  403   403   403  403  403  403
GET    /workbench/enterprise/recalls/{id}/acknowledge/      B html       302   404  404   404   404  403   403   403  403  403  403
GET    /workbench/enterprise/drill/                         - html       302   200  200   200   200  403   403   403  403  403  403
POST   /workbench/enterprise/drill/                         - html       302   400  400   400   400  403   403   403  403  403  403
GET    /workbench/enterprise/notices/                       - html       302   200  200   200   200  403   403   403  403  403  403
GET    /workbench/enterprise/complaints/                    - html       302   200  200   200   200  403   403   403  403  403  403
GET    /workbench/enterprise/complaints/{id}/               A~ html      302   200  404   404   404  403   403   403  403  403  403
POST   /workbench/enterprise/complaints/{id}/do/agree-mediation/ A~ html 302   302  404   404   404  403   403   403  403  403  403

# --- workbench: dashboard, quality records, annual report
# the dashboard and the annual report are for regulators (an enterprise gets the 403 page); each
# regulator's figures are its own jurisdiction's. A quality record: the enterprise itself and the
# regulators whose jurisdiction holds it; anyone else 404. The PDF needs WeasyPrint with Pango.
GET    /workbench/dashboard/                                - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/dashboard/incidents.csv                   - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/dashboard/recalls.xlsx                    - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/quality/                                  - html       302   200  200   200   200  200   200   200  200  200  200
GET    /workbench/quality/organizations/{id}/               A html       302   200  404   404   404  200   404   404  200  200  200
GET    /workbench/quality/organizations/{id}/               B html       302   404  404   200   404  404   200   404  404  404  200
POST   /workbench/quality/organizations/{id}/requests/      A html       302   302  404   404   404  302   404   404  302  302  302
POST   /workbench/quality/requests/{id}/decide/             A html       302   302  404   404   404  302   404   404  302  302  302
GET    /workbench/reports/annual/                           - html       302   403  403   403   403  302   302   302  302  302  302
GET    /workbench/reports/annual/2026/                      - html       302   403  403   403   403  200   200   200  200  200  200
GET    /workbench/reports/annual/2026.pdf                   - html       302   403  403   403   403  200   200   200  200  200  200

"""

# URL names no request can reach, and why (the coverage check skips them).
UNREACHABLE = {
    "trace:api-root": "the trace router's root is shadowed by api:api-root at the same /api/v1/",
    "recalls:api-root": "the recalls router's root is shadowed by api:api-root at the same /api/v1/ too",
    "inspections:api-root": "the spot-check router's root is shadowed by api:api-root at /api/v1/ too",
    "trace:batch-trace-xlsx": "…/trace.xlsx/ resolves to the trace action with format suffix xlsx (404)",
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    owner: str
    html: bool
    expected: dict

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} [{self.owner}]"

    def line_for(self, answers: dict) -> str:
        owner = f"{self.owner} html" if self.html else self.owner
        cells = " ".join(f"{answers[p]:>{len(s)}}" for p, s in zip(PERSONAS, _SHORT, strict=True))
        return f"{self.method:6} {self.path:52} {owner:11} {cells}"


def parse_matrix(text: str) -> list[Row]:
    rows, seen = [], set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        method, path, owner, rest = parts[0], parts[1], parts[2], parts[3:]
        html = bool(rest) and rest[0] == "html"
        cells = rest[1:] if html else rest
        if cells == ["?"]:
            cells = ["0"] * len(PERSONAS)
        if len(cells) != len(PERSONAS):
            raise ValueError(
                f"authz_matrix line {number}: {len(cells)} cells for {len(PERSONAS)} personas"
            )
        key = (method, path, owner)
        if key in seen:
            raise ValueError(f"authz_matrix line {number}: {key} appears twice")
        seen.add(key)
        rows.append(
            Row(method, path, owner, html, dict(zip(PERSONAS, map(int, cells), strict=True)))
        )
    return rows
