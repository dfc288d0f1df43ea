"""Words people read in place of codes: region names, units of measure, CBV vocabulary.

The consumer page, the phone forms and the trace exports show these beside
(or instead of) the codes the records keep. Every label is translatable; a
code with no label is shown as it is, never dropped.

Imports: Django's translation only (no models), so any layer may use it.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# --- regions (GB/T 2260 codes) ----------------------------------------------------
#
# Chinese and English names of every province-level division, and of the
# cities and counties the product knows (the demo chain's, in Jiangsu). A code
# not listed here falls back to its city, then to its province.
REGION_NAMES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
    "140000": ("山西省", "Shanxi"),
    "150000": ("内蒙古自治区", "Inner Mongolia"),
    "210000": ("辽宁省", "Liaoning"),
    "220000": ("吉林省", "Jilin"),
    "230000": ("黑龙江省", "Heilongjiang"),
    "310000": ("上海市", "Shanghai"),
    "320000": ("江苏省", "Jiangsu"),
    "330000": ("浙江省", "Zhejiang"),
    "340000": ("安徽省", "Anhui"),
    "350000": ("福建省", "Fujian"),
    "360000": ("江西省", "Jiangxi"),
    "370000": ("山东省", "Shandong"),
    "410000": ("河南省", "Henan"),
    "420000": ("湖北省", "Hubei"),
    "430000": ("湖南省", "Hunan"),
    "440000": ("广东省", "Guangdong"),
    "450000": ("广西壮族自治区", "Guangxi"),
    "460000": ("海南省", "Hainan"),
    "500000": ("重庆市", "Chongqing"),
    "510000": ("四川省", "Sichuan"),
    "520000": ("贵州省", "Guizhou"),
    "530000": ("云南省", "Yunnan"),
    "540000": ("西藏自治区", "Xizang"),
    "610000": ("陕西省", "Shaanxi"),
    "620000": ("甘肃省", "Gansu"),
    "630000": ("青海省", "Qinghai"),
    "640000": ("宁夏回族自治区", "Ningxia"),
    "650000": ("新疆维吾尔自治区", "Xinjiang"),
    "710000": ("台湾省", "Taiwan"),
    "810000": ("香港特别行政区", "Hong Kong"),
    "820000": ("澳门特别行政区", "Macao"),
    # Jiangsu's prefecture-level cities
    "320100": ("南京市", "Nanjing"),
    "320200": ("无锡市", "Wuxi"),
    "320300": ("徐州市", "Xuzhou"),
    "320400": ("常州市", "Changzhou"),
    "320500": ("苏州市", "Suzhou"),
    "320600": ("南通市", "Nantong"),
    "320700": ("连云港市", "Lianyungang"),
    "320800": ("淮安市", "Huai'an"),
    "320900": ("盐城市", "Yancheng"),
    "321000": ("扬州市", "Yangzhou"),
    "321100": ("镇江市", "Zhenjiang"),
    "321200": ("泰州市", "Taizhou"),
    "321300": ("宿迁市", "Suqian"),
    # Xuzhou's districts and counties
    "320302": ("鼓楼区", "Gulou District"),
    "320303": ("云龙区", "Yunlong District"),
    "320305": ("贾汪区", "Jiawang District"),
    "320311": ("泉山区", "Quanshan District"),
    "320312": ("铜山区", "Tongshan District"),
    "320321": ("丰县", "Feng County"),
    "320322": ("沛县", "Pei County"),
    "320324": ("睢宁县", "Suining County"),
    "320381": ("新沂市", "Xinyi"),
    "320382": ("邳州市", "Pizhou"),
    # Nanjing's districts
    "320102": ("玄武区", "Xuanwu District"),
    "320104": ("秦淮区", "Qinhuai District"),
    "320105": ("建邺区", "Jianye District"),
    "320106": ("鼓楼区", "Gulou District"),
    "320111": ("浦口区", "Pukou District"),
    "320113": ("栖霞区", "Qixia District"),
    "320114": ("雨花台区", "Yuhuatai District"),
    "320115": ("江宁区", "Jiangning District"),
    "320116": ("六合区", "Luhe District"),
    "320117": ("溧水区", "Lishui District"),
    "320118": ("高淳区", "Gaochun District"),
}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def region_name(code: str | None, *, english: bool | None = None) -> str:
    """``320312`` → ``江苏省徐州市铜山区`` / ``Tongshan District, Xuzhou, Jiangsu``.

    Parts missing from the table are left out (an unknown county still names
    its city and province); a code whose province is unknown gives ``""``.
    """
    if not code or not re.fullmatch(r"\d{6}", code):
        return ""
    english = _english() if english is None else english
    levels = [code[:2] + "0000"]
    if code[2:4] != "00":
        levels.append(code[:4] + "00")
    if code[4:] != "00":
        levels.append(code)
    names = [REGION_NAMES[level] for level in levels if level in REGION_NAMES]
    if not names or levels[0] not in REGION_NAMES:
        return ""
    if english:
        return ", ".join(en for _zh, en in reversed(names))
    return "".join(zh for zh, _en in names)


# --- units of measure (UN/ECE Recommendation 20 and 21 codes) -----------------------

UNIT_LABELS = {
    "EA": _("pieces"),  # "each": kept for lots recorded before Rec 20 retired it
    "H87": _("pieces"),
    "C62": _("units"),
    "KGM": _("kg"),
    "GRM": _("g"),
    "TNE": _("t"),
    "LTR": _("L"),
    "MLT": _("mL"),
    "MTR": _("m"),
    "MTK": _("m²"),
    "MTQ": _("m³"),
    "XBX": _("boxes"),
    "XCT": _("cartons"),
    "XCS": _("cases"),
    "XBO": _("bottles"),
    "XBG": _("bags"),
    "XCU": _("cups"),
    "XPK": _("packs"),
    "XPX": _("pallets"),
}


def unit_label(code: str | None) -> str:
    """``KGM`` → ``千克`` / ``kg``; an unknown code is shown as it is."""
    if not code:
        return ""
    label = UNIT_LABELS.get(code.upper())
    return str(label) if label is not None else code


# --- product pack size ("specification") --------------------------------------------

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Package words Chinese labels put after the slash of a pack size ("200 g/杯").
PACKAGE_WORDS = {
    "杯": _("cup"),
    "瓶": _("bottle"),
    "袋": _("bag"),
    "盒": _("box"),
    "箱": _("case"),
    "包": _("pack"),
    "罐": _("can"),
    "桶": _("tub"),
    "支": _("stick"),
    "个": _("piece"),
    "件": _("piece"),
    "片": _("slice"),
    "粒": _("capsule"),
    "袋装": _("bag"),
    "瓶装": _("bottle"),
    "盒装": _("box"),
    "散装": _("bulk"),
}


def localized_specification(text: str, *, english: bool | None = None) -> str:
    """The pack size in the reader's language, as far as it can be read neutrally.

    Chinese readers get the text as the producer wrote it, or the Chinese half of a bilingual
    ``散装 / bulk, kg``. English readers get
    the non-Chinese half of a bilingual ``散装 / bulk, kg``, the package words of
    ``200 g/杯`` translated (``200 g/cup``), and nothing rather than Chinese.
    """
    text = (text or "").strip()
    english = _english() if english is None else english
    if not english:
        # A bilingual ``散装 / bulk, kg``: Chinese readers get the Chinese half.
        parts = [p.strip() for p in re.split(r"\s+/\s+|\s*[|｜]\s*", text) if p.strip()]
        if len(parts) > 1 and _CJK.search(parts[0]) and not all(_CJK.search(p) for p in parts):
            return next(p for p in parts if _CJK.search(p))
        return text
    if not _CJK.search(text):
        return text
    for part in re.split(r"\s+/\s+|\s*[|｜]\s*", text):
        if part and not _CJK.search(part):
            return part.strip()

    def translate(match: re.Match) -> str:
        word = PACKAGE_WORDS.get(match.group(0))
        return str(word) if word is not None else match.group(0)

    words = sorted(PACKAGE_WORDS, key=len, reverse=True)
    with translation.override("en"):  # the English words, whatever language is active
        translated = re.sub("|".join(map(re.escape, words)), translate, text)
    return "" if _CJK.search(translated) else translated


# --- CBV 2.0 business steps and dispositions ------------------------------------------

BIZ_STEP_LABELS = {
    "accepting": _("Accepting"),
    "arriving": _("Arriving"),
    "commissioning": _("Production (commissioning)"),
    "decommissioning": _("Decommissioning"),
    "departing": _("Departing"),
    "destroying": _("Destruction"),
    "holding": _("Hold"),
    "inspecting": _("Inspection"),
    "loading": _("Loading"),
    "other": _("Other"),
    "packing": _("Packing"),
    "receiving": _("Receipt"),
    "repackaging": _("Repackaging"),
    "retail_selling": _("Retail sale"),
    "sampling": _("Sampling"),
    "shipping": _("Shipment"),
    "stocking": _("Stocking"),
    "storing": _("Storage"),
    "transforming": _("Transformation"),
    "transporting": _("Transport"),
    "unloading": _("Unloading"),
    "unpacking": _("Unpacking"),
    "void_shipping": _("Shipment voided"),
}

DISPOSITION_LABELS = {
    "active": _("Active"),
    "available": _("Available"),
    "conformant": _("Conformant"),
    "damaged": _("Damaged"),
    "destroyed": _("Destroyed"),
    "disposed": _("Disposed"),
    "expired": _("Expired"),
    "in_progress": _("In progress"),
    "in_transit": _("In transit"),
    "inactive": _("Inactive"),
    "non_conformant": _("Non-conformant"),
    "non_sellable_other": _("Not sellable"),
    "recalled": _("Recalled"),
    "retail_sold": _("Sold at retail"),
    "returned": _("Returned"),
    "sellable_accessible": _("Sellable, accessible"),
    "sellable_not_accessible": _("Sellable, not accessible"),
    "stolen": _("Stolen"),
    "unknown": _("Unknown"),
}


def _short(code: str) -> str:
    """``urn:epcglobal:cbv:bizstep:shipping`` / ``https://ref.gs1.org/cbv/BizStep-shipping`` → ``shipping``."""
    for separator in ("BizStep-", "Disp-", "bizstep:", "disp:"):
        if separator in code:
            return code.rsplit(separator, 1)[1]
    return code


def biz_step_label(code: str | None) -> str:
    if not code:
        return ""
    label = BIZ_STEP_LABELS.get(_short(code))
    return str(label) if label is not None else code


def disposition_label(code: str | None) -> str:
    if not code:
        return ""
    label = DISPOSITION_LABELS.get(_short(code))
    return str(label) if label is not None else code
