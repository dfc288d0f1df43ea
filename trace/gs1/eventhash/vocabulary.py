"""The standard vocabulary terms an EPCIS 2.0 JSON event may write bare, and their web URIs.

CBV 2.0 section 8.9 (event hash), the rule that standard vocabulary values written as bare
strings (``shipping``) are expanded to their web URI, and that CBV URNs
(``urn:epcglobal:cbv:bizstep:shipping``) become the same URI. Which bare words are terms, and
where, is what the EPCIS 2.0 JSON-LD context (``epcis-context.jsonld``) declares: each field
below has ``"@type": "@vocab"`` there with exactly these terms (CBV 2.0 sections 7.2-7.5 and
the GS1 Web Vocabulary's measurement types, sensor alert types and components).
"""

CBV = "https://ref.gs1.org/cbv/"
GS1 = "https://gs1.org/voc/"

BIZ_STEPS = [
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "sampling",
    "sensor_reporting",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
]
DISPOSITIONS = [
    "active",
    "available",
    "completeness_inferred",
    "completeness_verified",
    "conformant",
    "container_closed",
    "container_open",
    "damaged",
    "destroyed",
    "dispensed",
    "disposed",
    "encoded",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "mismatch_class",
    "mismatch_instance",
    "mismatch_quantity",
    "needs_replacement",
    "no_pedigree_match",
    "non_conformant",
    "non_sellable_other",
    "partially_dispensed",
    "recalled",
    "reserved",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "stolen",
    "unavailable",
    "unknown",
]
BIZ_TRANSACTION_TYPES = [
    "bol",
    "cert",
    "desadv",
    "inv",
    "pedigree",
    "po",
    "poc",
    "prodorder",
    "recadv",
    "rma",
    "testprd",
    "testres",
    "upevt",
]
SOURCE_DESTINATION_TYPES = ("owning_party", "possessing_party", "location")
ERROR_REASONS = ("did_not_occur", "incorrect_data")
MEASUREMENT_TYPES = [
    "AbsoluteHumidity",
    "AbsorbedDose",
    "AbsorbedDoseRate",
    "Acceleration",
    "Altitude",
    "AmountOfSubstance",
    "AmountOfSubstancePerUnitVolume",
    "Angle",
    "AngularAcceleration",
    "AngularMomentum",
    "AngularVelocity",
    "Area",
    "Capacitance",
    "Conductance",
    "Conductivity",
    "Count",
    "Density",
    "Dimensionless",
    "DoseEquivalent",
    "DoseEquivalentRate",
    "DynamicViscosity",
    "ElectricCharge",
    "ElectricCurrent",
    "ElectricCurrentDensity",
    "ElectricFieldStrength",
    "Energy",
    "Exposure",
    "Force",
    "Frequency",
    "Illuminance",
    "Inductance",
    "Irradiance",
    "KinematicViscosity",
    "Length",
    "LinearMomentum",
    "Luminance",
    "LuminousFlux",
    "LuminousIntensity",
    "MagneticFlux",
    "MagneticFluxDensity",
    "MagneticVectorPotential",
    "Mass",
    "MassConcentration",
    "MassFlowRate",
    "MassPerAreaTime",
    "MemoryCapacity",
    "MolalityOfSolute",
    "MolarEnergy",
    "MolarMass",
    "MolarVolume",
    "Power",
    "Pressure",
    "RadiantFlux",
    "RadiantIntensity",
    "Radioactivity",
    "RelativeHumidity",
    "Resistance",
    "Resistivity",
    "SolidAngle",
    "SpecificVolume",
    "Speed",
    "SurfaceDensity",
    "SurfaceTension",
    "Temperature",
    "Time",
    "Torque",
    "Voltage",
    "Volume",
    "VolumeFlowRate",
    "VolumeFraction",
    "VolumetricFlux",
    "Wavenumber",
]
SENSOR_ALERT_TYPES = ("ALARM_CONDITION", "ERROR_CONDITION")
COMPONENTS = [
    "x",
    "y",
    "z",
    "axial_distance",
    "azimuth",
    "height",
    "spherical_radius",
    "polar_angle",
    "elevation_angle",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "altitude",
]


def _terms(words, base: str) -> dict[str, str]:
    return {word: base + word for word in words}


# Where a bare term may stand (a name of the event, of one of its containers, or of a list
# entry) and the terms it may take there.
TERMS_BY_FIELD: dict[str, dict[str, str]] = {
    "bizStep": _terms(BIZ_STEPS, CBV + "BizStep-"),
    "disposition": _terms(DISPOSITIONS, CBV + "Disp-"),
    "persistentDisposition": _terms(DISPOSITIONS, CBV + "Disp-"),
    "bizTransactionList": _terms(BIZ_TRANSACTION_TYPES, CBV + "BTT-"),
    "sourceList": _terms(SOURCE_DESTINATION_TYPES, CBV + "SDT-"),
    "destinationList": _terms(SOURCE_DESTINATION_TYPES, CBV + "SDT-"),
    "errorDeclaration": _terms(ERROR_REASONS, CBV + "ER-"),
    "sensorReport.type": _terms(MEASUREMENT_TYPES, GS1),
    "sensorReport.exception": _terms(SENSOR_ALERT_TYPES, GS1),
    "sensorReport.component": _terms(COMPONENTS, CBV + "Comp-"),
}

# The CBV URN forms of the same vocabularies (CBV 2.0 section 8.4): urn:epcglobal:cbv:<kind>:<term>.
URN_PREFIX = "urn:epcglobal:cbv:"
URN_KINDS = {
    "bizstep": CBV + "BizStep-",
    "disp": CBV + "Disp-",
    "btt": CBV + "BTT-",
    "sdt": CBV + "SDT-",
    "er": CBV + "ER-",
}


def cbv_urn_to_uri(text: str) -> str | None:
    """``urn:epcglobal:cbv:bizstep:shipping`` → ``https://ref.gs1.org/cbv/BizStep-shipping``;
    None for any other text (a business transaction URN ``urn:epcglobal:cbv:bt:…`` stays)."""
    kind, _, term = text[len(URN_PREFIX) :].partition(":")
    base = URN_KINDS.get(kind)
    return base + term if base and term else None
