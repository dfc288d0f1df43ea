"""The CBV 2.0 event hash: ``ni:///sha-256;<hex>?ver=CBV2.0``.

A port of the GS1 reference implementation (epcis-event-hash-generator 1.9.3
by Ralph Troeger and Sebastian Schmittner, MIT licence: see LICENSE here):
the JSON → "simple python object" conversion (json_to_py), the JSON/XML model
correction and the Digital Link normaliser (vendored unchanged), and the
pre-hash string builder (hash_generator), with the same property order,
sorting and value canonicalisation.

One deliberate difference: the reference finds the full web-vocabulary URI of
bare CBV values (``shipping`` → ``https://ref.gs1.org/cbv/BizStep-shipping``)
by JSON-LD expansion, which loads contexts over the network. The EPCIS context
types exactly the fields below as CBV vocabularies, so we expand them from the
field name instead; the replacement heuristic applied afterwards is the
reference's. It is pure, thread-safe and never touches the network.
"""

from __future__ import annotations

import datetime
import hashlib

from .dl_normaliser import normaliser as dl_normaliser
from .json_xml_model_mismatch_correction import deep_structure_correction

JOIN_BY = ""

_QUANTITY = [("quantityElement", [("epcClass", None), ("quantity", None), ("uom", None)])]

PROP_ORDER = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", [("epc", None)]),
    ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    ("bizTransactionList", [(("type", None), ("bizTransaction", None))]),
    ("sourceList", [(("type", None), ("source", None))]),
    ("destinationList", [(("type", None), ("destination", None))]),
    (
        "sensorElementList",
        [
            (
                "sensorElement",
                [
                    (
                        "sensorMetadata",
                        [
                            ("time", None),
                            ("startTime", None),
                            ("endTime", None),
                            ("deviceID", None),
                            ("deviceMetadata", None),
                            ("rawData", None),
                            ("dataProcessingMethod", None),
                            ("bizRules", None),
                        ],
                    ),
                    (
                        "sensorReport",
                        [
                            ("type", None),
                            ("exception", None),
                            ("deviceID", None),
                            ("deviceMetadata", None),
                            ("rawData", None),
                            ("dataProcessingMethod", None),
                            ("time", None),
                            ("microorganism", None),
                            ("chemicalSubstance", None),
                            ("value", None),
                            ("component", None),
                            ("stringValue", None),
                            ("booleanValue", None),
                            ("hexBinaryValue", None),
                            ("uriValue", None),
                            ("minValue", None),
                            ("maxValue", None),
                            ("meanValue", None),
                            ("sDev", None),
                            ("percRank", None),
                            ("percValue", None),
                            ("uom", None),
                            ("coordinateReferenceSystem", None),
                        ],
                    ),
                ],
            )
        ],
    ),
]

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"


# --- bare CBV values → web vocabulary (what JSON-LD expansion yields) --------


def _expanded_vocabulary_values(event: dict) -> set[str]:
    found: set[str] = set()

    def add(prefix: str, value) -> None:
        if isinstance(value, str) and value and ":" not in value:
            found.add(prefix + value)

    add(CBV + "BizStep-", event.get("bizStep"))
    add(CBV + "Disp-", event.get("disposition"))
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            for value in persistent.get(key) or []:
                add(CBV + "Disp-", value)
    for entry in event.get("bizTransactionList") or []:
        if isinstance(entry, dict):
            add(CBV + "BTT-", entry.get("type"))
    for key in ("sourceList", "destinationList"):
        for entry in event.get(key) or []:
            if isinstance(entry, dict):
                add(CBV + "SDT-", entry.get("type"))
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        add(CBV + "ER-", declaration.get("reason"))
    for element in event.get("sensorElementList") or []:
        if not isinstance(element, dict):
            continue
        for report in element.get("sensorReport") or []:
            if isinstance(report, dict):
                add(GS1_VOC, report.get("type"))
                add(GS1_VOC, report.get("exception"))
                add(CBV + "Comp-", report.get("component"))
    return found


def _replace_bare_string_values(obj, expanded: set[str]):
    if isinstance(obj, str):
        matches = [x for x in expanded if x.endswith("-" + obj) or x.endswith("/" + obj)]
        return matches[0] if len(matches) == 1 else obj
    if isinstance(obj, list):
        return [_replace_bare_string_values(item, expanded) for item in obj]
    if isinstance(obj, dict):
        return {key: _replace_bare_string_values(value, expanded) for key, value in obj.items()}
    return obj


# --- JSON → simple python object (reference: json_to_py) -----------------------


def _namespaces_from_context(context) -> dict[str, str]:
    namespaces: dict[str, str] = {}
    if isinstance(context, list):
        for entry in context:
            if isinstance(entry, str):
                namespaces[entry] = "{" + entry + "}"
            elif isinstance(entry, dict):
                for key, value in entry.items():
                    if isinstance(value, str):
                        namespaces[key] = "{" + value + "}"
    elif isinstance(context, dict):
        for key, value in context.items():
            if isinstance(value, str):
                namespaces[key] = "{" + value + "}"
    return namespaces


def _namespace_replace(text, namespaces: dict[str, str], is_value: bool = False):
    if not isinstance(text, str):
        return text
    parts = text.split(":", 1)
    if len(parts) > 1 and parts[0] in namespaces:
        if is_value:
            return namespaces[parts[0]].replace("{", "").replace("}", "") + parts[1]
        return namespaces[parts[0]] + parts[1]
    return text


def _scalar(value) -> str:
    # Python's str() of JSON scalars, as the reference does (True → "True").
    return str(value)


def _json_to_py(obj, namespaces: dict[str, str]):
    py_obj = ("", "", [])
    if isinstance(obj, list):
        for child in obj:
            py_obj[2].append(_json_to_py(child, namespaces))
    elif isinstance(obj, dict):
        if "type" in obj:
            py_obj = (obj["type"], "", [])
        if "#text" in obj:
            py_obj = (py_obj[0], obj["#text"], py_obj[2])
        for key, value in obj.items():
            if key in ("#text", "rdfs:comment", "comment"):
                continue
            if key.startswith("@xmlns"):
                namespaces[key[7:]] = "{" + value + "}"
                py_obj = (_namespace_replace(py_obj[0], namespaces), py_obj[1], py_obj[2])
                continue
            child = _json_to_py(value, namespaces)
            key = _namespace_replace(key, namespaces)
            if isinstance(value, list):
                for element in child[2]:
                    py_obj[2].append((key, element[1], element[2]))
            else:
                py_obj[2].append((key, child[1], child[2]))
    else:
        return "", _scalar(_namespace_replace(obj, namespaces, True)), []
    if not [
        k for k in ("bizTransaction", "source", "destination") if isinstance(obj, dict) and k in obj
    ]:
        py_obj[2].sort()
    return py_obj


# --- pre-hash string (reference: hash_generator) --------------------------------


def _fix_time_stamp_format(timestamp: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(
            timestamp.replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError:
        return timestamp
    if moment.tzinfo is None:
        moment = moment.astimezone()
    moment = moment.astimezone(datetime.UTC)
    moment = moment.replace(microsecond=round(moment.microsecond, -3) % 1_000_000)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _try_format_web_vocabulary(text: str) -> str:
    return (
        text.replace("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-")
        .replace("urn:epcglobal:cbv:disp:", CBV + "Disp-")
        .replace("urn:epcglobal:cbv:btt:", CBV + "BTT-")
        .replace("urn:epcglobal:cbv:sdt:", CBV + "SDT-")
        .replace("urn:epcglobal:cbv:er:", CBV + "ER-")
    )


def _try_format_numeric(text: str) -> str:
    try:
        numeric = float(text)
        if int(numeric) == numeric:
            numeric = int(numeric)
        return str(numeric)
    except (ValueError, OverflowError):
        return text


def _canonize_value(text: str) -> str:
    text = _try_format_numeric(_try_format_web_vocabulary(text))
    return dl_normaliser(text) or text


def _child_to_pre_hash_string(child, sub_child_order) -> str:
    text = ""
    grand_child_text = ""
    if sub_child_order:
        grand_child_text = _recurse_through_children_in_order(child[2], sub_child_order)
    if child[1]:
        text = child[1].strip()
        if "time" in child[0].lower() and "offset" not in child[0].lower():
            text = _fix_time_stamp_format(text)
        else:
            text = _canonize_value(text)
        if text:
            text = "=" + text
    if text or grand_child_text:
        return child[0] + text + grand_child_text
    return ""


def _gather_user_extensions(child_list) -> list:
    extensions: list = []
    if len(child_list) <= 1:
        return extensions
    for child in child_list:
        if "eventTime" in child[0] or "action" in child[0]:
            return extensions
    extensions = [x for x in child_list if isinstance(x, tuple) and ("{" in x[0] and "/}" in x[0])]
    for element in extensions:
        child_list.remove(element)
    return extensions


def _recurse_through_children_in_order(child_list, child_order) -> str:
    pre_hash = ""
    user_extensions = _gather_user_extensions(child_list)
    for child_name, sub_child_order in child_order:
        children = [x for x in child_list if x[0] == child_name]
        values = []
        for child in children:
            child_pre_hash = _child_to_pre_hash_string(child, sub_child_order)
            if child_pre_hash:
                values.append(child_pre_hash)
            if len(child[2]) == 0:
                child_list.remove(child)
        values.sort()
        if "".join(values):
            if pre_hash:
                values.insert(0, pre_hash)
            pre_hash = JOIN_BY.join(values)
    if user_extensions:
        pre_hash = pre_hash + JOIN_BY + _generic_child_list_to_prehash_string(user_extensions)
    return pre_hash


def _should_sort(children) -> bool:
    return not any(child[0] in ("bizTransaction", "source", "destination") for child in children)


def _generic_child_list_to_prehash_string(children) -> str:
    values = []
    for child in children:
        if isinstance(child, tuple) and child and isinstance(child[0], tuple):
            values.append(_generic_child_list_to_prehash_string(child))
        else:
            text = child[1].strip()
            if text:
                text = "=" + _canonize_value(text)
            values.append(child[0] + text + _generic_child_list_to_prehash_string(child[2]))
    if len(children) > 1 and _should_sort(children):
        values.sort()
    return JOIN_BY.join(values)


def _gather_elements_not_in_order(children) -> str:
    ignored = ("recordTime", "eventID", "type", "errorDeclaration")
    children = [child for child in children if child[0] not in ignored]
    return _generic_child_list_to_prehash_string(children) if children else ""


def pre_hash_string(event: dict, context=None, expanded: set[str] | None = None) -> str:
    """The canonical pre-hash string of one EPCIS 2.0 JSON event.

    ``context`` is the enclosing document's ``@context``: it names the
    namespaces of extension fields (``example:myField``). ``expanded`` is the
    set of CBV web-vocabulary values of the whole document (the reference
    expands the document, not the event); defaults to the event's own.
    """
    if expanded is None:
        expanded = _expanded_vocabulary_values(event)
    event = _replace_bare_string_values(event, expanded)
    namespaces = _namespaces_from_context(context)
    if event.get("@context") is not None:
        namespaces.update(_namespaces_from_context(event["@context"]))
    py_event = deep_structure_correction(_json_to_py(event, namespaces))
    return (
        "eventType="
        + str(py_event[0])
        + JOIN_BY
        + _recurse_through_children_in_order(py_event[2], PROP_ORDER)
        + JOIN_BY
        + _gather_elements_not_in_order(py_event[2])
    )


def event_hash_id(event: dict, context=None, expanded: set[str] | None = None) -> str:
    digest = hashlib.sha256(pre_hash_string(event, context, expanded).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


def document_vocabulary(events: list) -> set[str]:
    """The CBV values of all ``events``, for :func:`event_hash_id`'s ``expanded``."""
    found: set[str] = set()
    for event in events:
        if isinstance(event, dict):
            found |= _expanded_vocabulary_values(event)
    return found
