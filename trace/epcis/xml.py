"""EPCIS XML: documents received as ``application/xml`` and query results written as XML.

Reading: the body is parsed by lxml with entities left unresolved, no network, no huge
trees and no DTD (a document that carries a DOCTYPE is refused outright, which stops
billion-laughs and external-entity documents before anything is expanded or fetched), then
validated against GS1's XML schema for its version (EPCIS 1.2, namespace
``urn:epcglobal:epcis:xsd:1``; EPCIS 2.0, ``urn:epcglobal:epcis:xsd:2``; the schema files
are in ``schema/xsd``), then turned into the EPCIS 2.0 JSON-LD document the JSON binding
receives (GS1's XML to JSON mapping: CBV URNs to their bare terms, the 1.x ``extension``
wrappers flattened, user extensions as ``prefix:name`` keys with their namespaces in the
``@context``). Capture then treats it exactly as a JSON-LD document: same checks, same event
hash, same rules, so the same events sent either way are stored once.

Writing: an EPCISQueryDocument in the EPCIS 2.0 XML binding, events in the order of their
schema type, extensions in the namespaces their stored ``@context`` declares.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from .validation import DEFAULT_CONTEXT, DocumentError

XSD_DIR = Path(__file__).with_name("schema") / "xsd"
NS_12 = "urn:epcglobal:epcis:xsd:1"
NS_20 = "urn:epcglobal:epcis:xsd:2"
NS_QUERY_20 = "urn:epcglobal:epcis-query:xsd:2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_SCHEMA_FILES = {NS_12: "EPCglobal-epcis-1_2.xsd", NS_20: "EPCglobal-epcis-2_0.xsd"}
_NOT_EXTENSIONS = {NS_12, NS_20, NS_QUERY_20, XSI, SBDH, "urn:epcglobal:xsd:1"}

# CBV 1.x URNs and CBV 2.0 web URIs of the standard vocabularies, by the JSON field they fill.
_CBV = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    "btt": ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    "sdt": ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    "reason": ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
}
_GS1_VOC = ("https://gs1.org/voc/", "http://gs1.org/voc/")
_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_DOUBLE_ATTRIBUTES = {
    "value",
    "minValue",
    "maxValue",
    "sDev",
    "meanValue",
    "percRank",
    "percValue",
}


def _refuse(rule: str, message: str, field: str | None = None) -> DocumentError:
    return DocumentError([{"field": field, "rule": rule, "message": message}])


# --- reading ---------------------------------------------------------------------


class _Resolver(etree.Resolver):
    """Schema imports are read from ``schema/xsd`` by file name, never from the network."""

    def resolve(self, url, pubid, context):
        target = XSD_DIR / Path(url or "").name
        if target.is_file():
            return self.resolve_filename(str(target), context)
        return None


@cache
def schema(namespace: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_Resolver())
    tree = etree.parse(str(XSD_DIR / _SCHEMA_FILES[namespace]), parser)
    return etree.XMLSchema(tree)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s>\[]+\s*(\[|SYSTEM|PUBLIC)?", re.IGNORECASE)


def _dangerous_doctype(body: bytes) -> bool:
    """A DOCTYPE with an internal subset (entity declarations: billion laughs) or an external
    identifier (SYSTEM/PUBLIC: a file or URL to fetch). A bare ``<!DOCTYPE name>``, which
    GS1's own examples carry, declares nothing and is let through."""
    if re.search(rb"<!ENTITY", body, re.IGNORECASE):
        return True
    for match in _DOCTYPE.finditer(body[:65536]):
        if match.group(1):
            return True
    return bool(re.search(rb"<!DOCTYPE\s*(\[|>)", body[:65536], re.IGNORECASE))


def parse_xml(body: bytes):
    """The root element of an XML body; malformed XML, a DOCTYPE that declares anything
    (entities, external resources) or a document that is not an EPCIS 1.2/2.0
    EPCISDocument is refused (400)."""
    if _dangerous_doctype(body):
        raise _refuse(
            "xml_doctype",
            _("XML documents with a DOCTYPE or entity declarations are not accepted."),
        )
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(
            "xml_syntax", _("The body is not well-formed XML: %(error)s") % {"error": exc}
        ) from exc
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    declares = dtd is not None and (any(dtd.iterentities()) or any(dtd.iterelements()))
    if declares or docinfo.system_url or docinfo.public_id:
        raise _refuse(
            "xml_doctype",
            _("XML documents with a DOCTYPE or entity declarations are not accepted."),
        )
    qname = etree.QName(root)
    if qname.namespace not in _SCHEMA_FILES or qname.localname != "EPCISDocument":
        raise _refuse(
            "document_type",
            _("An EPCISDocument of EPCIS 1.2 (%(v1)s) or 2.0 (%(v2)s) is required.")
            % {"v1": NS_12, "v2": NS_20},
        )
    return root


def validate_xml(root) -> None:
    """Check the document against GS1's XML schema of its version."""
    namespace = etree.QName(root).namespace
    xsd = schema(namespace)
    if xsd.validate(root):
        return
    errors = []
    for entry in list(xsd.error_log)[:50]:
        errors.append(
            {
                "field": f"line {entry.line}: {entry.path}",
                "rule": "xml_schema",
                "message": entry.message,
            }
        )
    raise DocumentError(errors)


def _local(element) -> str:
    return etree.QName(element).localname


def _namespace(element) -> str | None:
    return etree.QName(element).namespace


def _text(element) -> str:
    return (element.text or "").strip()


def _short(kind: str, value: str) -> str:
    for prefix in _CBV[kind]:
        if value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :]
    return value


def _add(out: dict, key: str, value) -> None:
    """Set ``key``; an element repeated under one parent becomes a list."""
    if key in out:
        if not isinstance(out[key], list):
            out[key] = [out[key]]
        out[key].append(value)
    else:
        out[key] = value


_XSD = "http://www.w3.org/2001/XMLSchema"
_NUMERIC_TYPES = {"integer", "int", "long", "short", "decimal", "double", "float"}


def _typed(element):
    """A leaf extension element's value: typed by its ``xsi:type`` (numbers and booleans, as
    JSON writes them), text otherwise."""
    text = _text(element)
    declared = element.get(f"{{{XSI}}}type")
    if declared and ":" in declared:
        prefix, local = declared.split(":", 1)
        if element.nsmap.get(prefix) == _XSD:
            try:
                if local in _NUMERIC_TYPES:
                    return _number(text)
                if local == "boolean" and text in ("true", "false", "1", "0"):
                    return text in ("true", "1")
            except ValueError:
                return text
    return text


def _number(text: str):
    value = float(text)
    return int(value) if value.is_integer() and re.fullmatch(r"[-+]?\d+(\.0*)?", text) else value


class _Reader:
    """Turns one XML EPCISDocument into an EPCIS 2.0 JSON-LD document."""

    def __init__(self):
        self.prefixes: dict[str, str] = {}  # namespace URI -> prefix

    def prefix_for(self, element_or_ns, hint: str | None = None) -> str:
        namespace = element_or_ns if isinstance(element_or_ns, str) else _namespace(element_or_ns)
        if namespace in self.prefixes:
            return self.prefixes[namespace]
        prefix = hint or (element_or_ns.prefix if not isinstance(element_or_ns, str) else None)
        used = set(self.prefixes.values())
        if not prefix or prefix in used or prefix in ("epcis", "gs1"):
            prefix = f"ext{len(self.prefixes) + 1}"
        self.prefixes[namespace] = prefix
        return prefix

    def key(self, element) -> str:
        return f"{self.prefix_for(element)}:{_local(element)}"

    def attribute_key(self, name: str, nsmap: dict) -> str:
        qname = etree.QName(name)
        if not qname.namespace:
            return qname.localname
        hint = next((p for p, n in nsmap.items() if n == qname.namespace and p), None)
        return f"{self.prefix_for(qname.namespace, hint)}:{qname.localname}"

    def extension_value(self, element):
        children = list(element)
        if not children:
            return _typed(element)
        value: dict = {}
        for child in children:
            key = self.key(child) if _namespace(child) else _local(child)
            _add(value, key, self.extension_value(child))
        return value

    def term(self, value: str, nsmap: dict) -> str:
        """A sensor ``type`` or ``component`` written ``gs1:Temperature`` or as the GS1 Web
        Vocabulary URI: the bare term JSON uses; another compact URI expanded."""
        for base in _GS1_VOC:
            if value.startswith(base):
                return value[len(base) :]
        if ":" in value and not value.startswith(("http:", "https:", "urn:")):
            prefix, rest = value.split(":", 1)
            namespace = nsmap.get(prefix)
            if namespace in _GS1_VOC or (prefix == "gs1" and namespace is None):
                return rest
        return value

    def sensor_attributes(self, element) -> dict:
        out: dict = {}
        for name, value in element.attrib.items():
            key = self.attribute_key(name, element.nsmap)
            if key in _DOUBLE_ATTRIBUTES:
                out[key] = _number(value)
            elif key == "booleanValue":
                out[key] = value.strip() in ("true", "1")
            elif key in ("type", "component"):
                out[key] = self.term(value.strip(), element.nsmap)
            else:
                out[key] = value.strip()
        return out

    def sensor_element(self, element) -> dict:
        out: dict = {}
        for child in element:
            name = _local(child)
            if _namespace(child):
                _add(out, self.key(child), self.extension_value(child))
            elif name == "sensorMetadata":
                out["sensorMetadata"] = self.sensor_attributes(child)
            elif name == "sensorReport":
                out.setdefault("sensorReport", []).append(self.sensor_attributes(child))
            elif name == "extension":
                out.update(self.sensor_element(child))
        return out

    def place(self, element) -> dict:
        out: dict = {}
        for child in element:
            if _namespace(child):
                _add(out, self.key(child), self.extension_value(child))
            elif _local(child) == "id":
                out["id"] = _text(child)
            elif _local(child) == "extension":
                out.update(self.place(child))
        return out

    def extensions_into(self, out: dict, element) -> None:
        for child in element:
            if _namespace(child):
                _add(out, self.key(child), self.extension_value(child))
            elif _local(child) == "extension":
                self.extensions_into(out, child)

    def error_declaration(self, element) -> dict:
        out: dict = {}
        for child in element:
            name = _local(child)
            if _namespace(child):
                _add(out, self.key(child), self.extension_value(child))
            elif name == "declarationTime":
                out["declarationTime"] = _text(child)
            elif name == "reason":
                out["reason"] = _short("reason", _text(child))
            elif name == "correctiveEventIDs":
                out["correctiveEventIDs"] = [_text(c) for c in child]
            elif name == "extension":
                self.extensions_into(out, child)
        return out

    def fields_into(self, event: dict, element, *, wrapper: bool = False) -> None:
        for child in element:
            name = _local(child)
            if _namespace(child):
                _add(event, self.key(child), self.extension_value(child))
            elif name in ("extension", "baseExtension"):
                self.fields_into(event, child, wrapper=True)
            elif wrapper and name not in _STANDARD_FIELDS:
                # The 1.x ``extension`` wrappers hold fields reserved for later versions of
                # the standard (``##local``), not user data: one 2.0 does not define is dropped.
                continue
            elif name == "recordTime":
                continue  # set by the repository
            elif name in _EPC_LISTS:
                event[name] = [_text(e) for e in child]
            elif name in _QUANTITY_LISTS:
                items = []
                for entry in child:
                    item: dict = {}
                    for part in entry:
                        part_name = _local(part)
                        if part_name == "quantity":
                            if part.get(f"{{{XSI}}}nil") not in ("true", "1") and _text(part):
                                item["quantity"] = _number(_text(part))
                        else:
                            item[part_name] = _text(part)
                    items.append(item)
                event[name] = items
            elif name in ("bizStep", "disposition"):
                event[name] = _short(name, _text(child))
            elif name in ("readPoint", "bizLocation"):
                event[name] = self.place(child)
            elif name == "bizTransactionList":
                event[name] = [
                    {
                        **({"type": _short("btt", t)} if (t := entry.get("type")) else {}),
                        "bizTransaction": _text(entry),
                    }
                    for entry in child
                ]
            elif name in ("sourceList", "destinationList"):
                attr = name[: -len("List")]
                event[name] = [
                    {"type": _short("sdt", entry.get("type", "")), attr: _text(entry)}
                    for entry in child
                ]
            elif name == "sensorElementList":
                event[name] = [self.sensor_element(s) for s in child if _local(s) != "extension"]
            elif name == "persistentDisposition":
                persistent: dict = {}
                for part in child:
                    persistent.setdefault(_local(part), []).append(
                        _short("disposition", _text(part))
                    )
                event[name] = persistent
            elif name == "ilmd":
                ilmd: dict = {}
                self.extensions_into(ilmd, child)
                event[name] = ilmd
            elif name == "errorDeclaration":
                event[name] = self.error_declaration(child)
            else:  # eventTime, eventTimeZoneOffset, eventID, action, parentID, transformationID…
                event[name] = _text(child)

    def event(self, element) -> dict:
        event: dict = {"type": _local(element)}
        self.fields_into(event, element)
        return event

    def events(self, event_list) -> list[dict]:
        events = []
        for element in event_list:
            if _namespace(element):
                continue  # a vendor's own event type: not an EPCIS event
            if _local(element) == "extension":
                events.extend(self.events(element))
            else:
                events.append(self.event(element))
        return events

    def document(self, root) -> dict:
        body = next((c for c in root if _local(c) == "EPCISBody"), None)
        event_list = (
            next((c for c in body if _local(c) == "EventList"), None) if body is not None else None
        )
        events = self.events(event_list) if event_list is not None else []
        context: list = [DEFAULT_CONTEXT]
        extension_context = {
            prefix: namespace
            for namespace, prefix in self.prefixes.items()
            if namespace not in _NOT_EXTENSIONS
        }
        if extension_context:
            context.append(extension_context)
        return {
            "@context": context,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": root.get("creationDate"),
            "epcisBody": {"eventList": events},
        }


def xml_to_document(root) -> dict:
    """The EPCIS 2.0 JSON-LD document an (already validated) XML EPCISDocument says."""
    reader = _Reader()
    for prefix, namespace in (root.nsmap or {}).items():
        if prefix and namespace not in _NOT_EXTENSIONS and namespace not in _GS1_VOC:
            reader.prefix_for(namespace, prefix)
    return reader.document(root)


def read_capture_xml(body: bytes) -> dict:
    """Parse, validate and convert an XML capture body (raises :class:`DocumentError`)."""
    root = parse_xml(body)
    validate_xml(root)
    return xml_to_document(root)


# --- writing ---------------------------------------------------------------------

_BASE_FIELDS = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
)
_WHY = ("bizStep", "disposition", "readPoint", "bizLocation")
_SDS = ("sourceList", "destinationList", "sensorElementList", "persistentDisposition")
FIELD_ORDER = {
    "ObjectEvent": (
        *_BASE_FIELDS,
        "epcList",
        "action",
        *_WHY,
        "bizTransactionList",
        "quantityList",
        *_SDS,
        "ilmd",
    ),
    "AggregationEvent": (
        *_BASE_FIELDS,
        "parentID",
        "childEPCs",
        "action",
        *_WHY,
        "bizTransactionList",
        "childQuantityList",
        *_SDS,
    ),
    "TransactionEvent": (
        *_BASE_FIELDS,
        "bizTransactionList",
        "parentID",
        "epcList",
        "action",
        *_WHY,
        "quantityList",
        *_SDS,
    ),
    "TransformationEvent": (
        *_BASE_FIELDS,
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        *_WHY,
        "bizTransactionList",
        *_SDS,
        "ilmd",
    ),
    "AssociationEvent": (
        *_BASE_FIELDS,
        "parentID",
        "childEPCs",
        "childQuantityList",
        "action",
        *_WHY,
        "bizTransactionList",
        *_SDS,
    ),
}
_WEB = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
    "btt": "https://ref.gs1.org/cbv/BTT-",
    "sdt": "https://ref.gs1.org/cbv/SDT-",
    "reason": "https://ref.gs1.org/cbv/ER-",
}
_BARE = re.compile(r"^[A-Za-z0-9_]+$")
_STANDARD_FIELDS = frozenset(name for order in FIELD_ORDER.values() for name in order)


def _web(kind: str, value) -> str:
    value = "" if value is None else str(value)
    return _WEB[kind] + value if _BARE.match(value) else value


def _scalar(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


class _Writer:
    def __init__(self, nsmap: dict):
        self.nsmap = nsmap  # prefix -> namespace, for the whole output document

    def namespace_of(self, context) -> dict:
        """prefix -> namespace declared by an event's own ``@context``."""
        found: dict = {}
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, dict):
                found.update({k: v for k, v in entry.items() if isinstance(v, str)})
        return found

    def qname(self, key: str, prefixes: dict) -> str:
        prefix, local = key.split(":", 1)
        namespace = prefixes.get(prefix) or f"urn:suyuan:extension:{prefix}"
        if prefix not in self.nsmap:
            self.nsmap[prefix] = namespace
        return f"{{{namespace}}}{local}"

    def extension(self, parent, key: str, value, prefixes: dict) -> None:
        tag = self.qname(key, prefixes) if ":" in key else key
        values = value if isinstance(value, list) else [value]
        for item in values:
            element = etree.SubElement(parent, tag)
            if isinstance(item, dict):
                for k, v in item.items():
                    if k.startswith("@"):
                        continue
                    self.extension(element, k, v, prefixes)
            else:
                element.text = _scalar(item)
                kind = (
                    "boolean"
                    if isinstance(item, bool)
                    else "integer"
                    if isinstance(item, int)
                    else "double"
                    if isinstance(item, float)
                    else None
                )
                if kind:
                    self.nsmap.setdefault("xsi", XSI)
                    self.nsmap.setdefault("xsd", _XSD)
                    element.set(f"{{{XSI}}}type", f"xsd:{kind}")

    def extensions(self, parent, data: dict, known, prefixes: dict) -> None:
        for key, value in data.items():
            if key not in known and ":" in key and not key.startswith("@"):
                self.extension(parent, key, value, prefixes)

    def sensor_attributes(self, element, data: dict, prefixes: dict) -> None:
        for key, value in data.items():
            if ":" in key and not key.startswith(("http", "urn")):
                element.set(self.qname(key, prefixes), _scalar(value))
            elif key in ("type", "component") and isinstance(value, str) and _BARE.match(value):
                element.set(key, "gs1:" + value)
                self.nsmap.setdefault("gs1", "https://gs1.org/voc/")
            else:
                element.set(key, _scalar(value))

    def field(self, parent, name: str, value, prefixes: dict) -> None:
        sub = etree.SubElement
        if name in _EPC_LISTS:
            element = sub(parent, name)
            for epc in value or []:
                sub(element, "epc").text = str(epc)
        elif name in _QUANTITY_LISTS:
            element = sub(parent, name)
            for item in value or []:
                entry = sub(element, "quantityElement")
                sub(entry, "epcClass").text = str(item.get("epcClass", ""))
                if "quantity" in item:
                    sub(entry, "quantity").text = _scalar(item["quantity"])
                    if "uom" in item:
                        sub(entry, "uom").text = str(item["uom"])
        elif name in ("bizStep", "disposition"):
            sub(parent, name).text = _web(name, value)
        elif name in ("readPoint", "bizLocation"):
            element = sub(parent, name)
            sub(element, "id").text = str((value or {}).get("id", ""))
            self.extensions(element, value or {}, ("id",), prefixes)
        elif name == "bizTransactionList":
            element = sub(parent, name)
            for entry in value or []:
                tx = sub(element, "bizTransaction")
                tx.text = str(entry.get("bizTransaction", ""))
                if entry.get("type"):
                    tx.set("type", _web("btt", entry["type"]))
        elif name in ("sourceList", "destinationList"):
            element = sub(parent, name)
            attr = name[: -len("List")]
            for entry in value or []:
                item = sub(element, attr)
                item.text = str(entry.get(attr, ""))
                item.set("type", _web("sdt", entry.get("type", "")))
        elif name == "sensorElementList":
            element = sub(parent, name)
            for sensor in value or []:
                sensor_element = sub(element, "sensorElement")
                if "sensorMetadata" in sensor:
                    self.sensor_attributes(
                        sub(sensor_element, "sensorMetadata"), sensor["sensorMetadata"], prefixes
                    )
                for report in sensor.get("sensorReport") or []:
                    self.sensor_attributes(sub(sensor_element, "sensorReport"), report, prefixes)
                self.extensions(
                    sensor_element, sensor, ("sensorMetadata", "sensorReport"), prefixes
                )
        elif name == "persistentDisposition":
            element = sub(parent, name)
            for part in ("unset", "set"):
                for item in (value or {}).get(part) or []:
                    sub(element, part).text = _web("disposition", item)
        elif name == "ilmd":
            element = sub(parent, name)
            self.extensions(element, value or {}, (), prefixes)
        elif name == "errorDeclaration":
            element = sub(parent, name)
            value = value or {}
            if "declarationTime" in value:
                sub(element, "declarationTime").text = str(value["declarationTime"])
            if value.get("reason"):
                sub(element, "reason").text = _web("reason", value["reason"])
            if value.get("correctiveEventIDs"):
                ids = sub(element, "correctiveEventIDs")
                for event_id in value["correctiveEventIDs"]:
                    sub(ids, "correctiveEventID").text = str(event_id)
            self.extensions(
                element, value, ("declarationTime", "reason", "correctiveEventIDs"), prefixes
            )
        else:
            sub(parent, name).text = _scalar(value)

    def event(self, parent, event: dict) -> None:
        kind = event.get("type")
        order = FIELD_ORDER.get(kind)
        if order is None:
            return
        prefixes = {**self.nsmap, **self.namespace_of(event.get("@context"))}
        element = etree.SubElement(parent, kind)
        for name in order:
            if name in event:
                self.field(element, name, event[name], prefixes)
        self.extensions(element, event, order, prefixes)


def _document_prefixes(events) -> dict:
    found: dict = {}
    for event in events:
        context = event.get("@context")
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, dict):
                for prefix, namespace in entry.items():
                    if isinstance(namespace, str) and prefix not in found:
                        found[prefix] = namespace
    return found


def events_to_xml(events: list[dict], root_tag: str, nsmap: dict, attrs: dict, wrap) -> bytes:
    prefixes = _document_prefixes(events)
    writer = _Writer(dict(prefixes))
    # The event list is built first, so that every prefix it uses is declared on the root.
    holder = etree.Element("EventList")
    for event in events:
        writer.event(holder, event)
    root_nsmap = {**nsmap, **{p: n for p, n in writer.nsmap.items() if p not in nsmap}}
    root = etree.Element(root_tag, nsmap=root_nsmap, attrib=attrs)
    wrap(root).append(holder)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def query_document_xml(document: dict) -> bytes:
    """The EPCIS 2.0 XML form of an EPCISQueryDocument built by ``documents.query_document``."""
    results = document["epcisBody"]["queryResults"]

    def wrap(root):
        body = etree.SubElement(root, "EPCISBody")
        query_results = etree.SubElement(body, f"{{{NS_QUERY_20}}}QueryResults")
        etree.SubElement(query_results, "queryName").text = results.get("queryName", "")
        if results.get("subscriptionID"):
            etree.SubElement(query_results, "subscriptionID").text = results["subscriptionID"]
        return etree.SubElement(query_results, "resultsBody")

    return events_to_xml(
        results["resultsBody"]["eventList"],
        f"{{{NS_QUERY_20}}}EPCISQueryDocument",
        {"epcisq": NS_QUERY_20, "epcis": NS_20},
        {"schemaVersion": "2.0", "creationDate": document.get("creationDate") or ""},
        wrap,
    )


def epcis_document_xml(document: dict) -> bytes:
    """The EPCIS 2.0 XML form of a JSON-LD EPCISDocument (its events carry their context)."""
    context = document.get("@context")
    extension_context = [c for c in (context if isinstance(context, list) else [context])]
    events = []
    for event in document["epcisBody"]["eventList"]:
        if "@context" not in event:
            event = {"@context": extension_context, **event}
        events.append(event)

    def wrap(root):
        return etree.SubElement(root, "EPCISBody")

    return events_to_xml(
        events,
        f"{{{NS_20}}}EPCISDocument",
        {"epcis": NS_20},
        {
            "schemaVersion": "2.0",
            "creationDate": document.get("creationDate") or "2000-01-01T00:00:00Z",
        },
        wrap,
    )
