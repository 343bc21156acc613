//! The OIDs Pandian polls, each named after its MIB object
//! (`MODULE::object`). `tests/snmp_mibs.rs` checks every one of them against
//! the MIB files in `mibs/` with `snmptranslate`.

/// One polled object: its MIB name and its dotted OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// `MODULE::object`.
    pub name: &'static str,
    /// Dotted decimal, no leading dot.
    pub oid: &'static str,
}

macro_rules! known {
    ($($(#[$m:meta])* $id:ident = $name:literal, $oid:literal;)*) => {
        $( $(#[$m])* pub const $id: Known = Known { name: $name, oid: $oid }; )*
        /// Every constant in this file, for the MIB check and the name table.
        pub const ALL: &[Known] = &[$($id),*];
    };
}

known! {
    // SNMPv2-MIB system group (scalars; `.0` added when polled).
    /// sysDescr.
    SYS_DESCR = "SNMPv2-MIB::sysDescr", "1.3.6.1.2.1.1.1";
    /// sysObjectID.
    SYS_OBJECT_ID = "SNMPv2-MIB::sysObjectID", "1.3.6.1.2.1.1.2";
    /// sysUpTime.
    SYS_UPTIME = "SNMPv2-MIB::sysUpTime", "1.3.6.1.2.1.1.3";
    /// sysContact.
    SYS_CONTACT = "SNMPv2-MIB::sysContact", "1.3.6.1.2.1.1.4";
    /// sysName.
    SYS_NAME = "SNMPv2-MIB::sysName", "1.3.6.1.2.1.1.5";
    /// sysLocation.
    SYS_LOCATION = "SNMPv2-MIB::sysLocation", "1.3.6.1.2.1.1.6";
    /// sysServices.
    SYS_SERVICES = "SNMPv2-MIB::sysServices", "1.3.6.1.2.1.1.7";
    /// The system group.
    SYSTEM = "SNMPv2-MIB::system", "1.3.6.1.2.1.1";

    // SNMP-FRAMEWORK-MIB.
    /// snmpEngineID: the agent's engine ID (an identity key).
    SNMP_ENGINE_ID = "SNMP-FRAMEWORK-MIB::snmpEngineID", "1.3.6.1.6.3.10.2.1.1";

    // IF-MIB.
    /// ifNumber.
    IF_NUMBER = "IF-MIB::ifNumber", "1.3.6.1.2.1.2.1";
    /// ifEntry.
    IF_ENTRY = "IF-MIB::ifEntry", "1.3.6.1.2.1.2.2.1";
    /// ifDescr.
    IF_DESCR = "IF-MIB::ifDescr", "1.3.6.1.2.1.2.2.1.2";
    /// ifType.
    IF_TYPE = "IF-MIB::ifType", "1.3.6.1.2.1.2.2.1.3";
    /// ifMtu.
    IF_MTU = "IF-MIB::ifMtu", "1.3.6.1.2.1.2.2.1.4";
    /// ifSpeed.
    IF_SPEED = "IF-MIB::ifSpeed", "1.3.6.1.2.1.2.2.1.5";
    /// ifPhysAddress.
    IF_PHYS_ADDRESS = "IF-MIB::ifPhysAddress", "1.3.6.1.2.1.2.2.1.6";
    /// ifAdminStatus.
    IF_ADMIN_STATUS = "IF-MIB::ifAdminStatus", "1.3.6.1.2.1.2.2.1.7";
    /// ifOperStatus.
    IF_OPER_STATUS = "IF-MIB::ifOperStatus", "1.3.6.1.2.1.2.2.1.8";
    /// ifLastChange.
    IF_LAST_CHANGE = "IF-MIB::ifLastChange", "1.3.6.1.2.1.2.2.1.9";
    /// ifXEntry.
    IF_X_ENTRY = "IF-MIB::ifXEntry", "1.3.6.1.2.1.31.1.1.1";
    /// ifName.
    IF_NAME = "IF-MIB::ifName", "1.3.6.1.2.1.31.1.1.1.1";
    /// ifHighSpeed.
    IF_HIGH_SPEED = "IF-MIB::ifHighSpeed", "1.3.6.1.2.1.31.1.1.1.15";
    /// ifConnectorPresent.
    IF_CONNECTOR_PRESENT = "IF-MIB::ifConnectorPresent", "1.3.6.1.2.1.31.1.1.1.17";
    /// ifAlias.
    IF_ALIAS = "IF-MIB::ifAlias", "1.3.6.1.2.1.31.1.1.1.18";

    // IP-MIB.
    /// ipAddrEntry (deprecated, IPv4 only, still the most common).
    IP_ADDR_ENTRY = "IP-MIB::ipAddrEntry", "1.3.6.1.2.1.4.20.1";
    /// ipAdEntIfIndex.
    IP_AD_ENT_IF_INDEX = "IP-MIB::ipAdEntIfIndex", "1.3.6.1.2.1.4.20.1.2";
    /// ipAdEntNetMask.
    IP_AD_ENT_NET_MASK = "IP-MIB::ipAdEntNetMask", "1.3.6.1.2.1.4.20.1.3";
    /// ipAddressEntry (IPv4 and IPv6).
    IP_ADDRESS_ENTRY = "IP-MIB::ipAddressEntry", "1.3.6.1.2.1.4.34.1";
    /// ipAddressIfIndex.
    IP_ADDRESS_IF_INDEX = "IP-MIB::ipAddressIfIndex", "1.3.6.1.2.1.4.34.1.3";
    /// ipAddressType.
    IP_ADDRESS_TYPE = "IP-MIB::ipAddressType", "1.3.6.1.2.1.4.34.1.4";
    /// ipAddressPrefix.
    IP_ADDRESS_PREFIX = "IP-MIB::ipAddressPrefix", "1.3.6.1.2.1.4.34.1.5";
    /// ipNetToMediaEntry (ARP, IPv4).
    IP_NET_TO_MEDIA_ENTRY = "IP-MIB::ipNetToMediaEntry", "1.3.6.1.2.1.4.22.1";
    /// ipNetToMediaPhysAddress.
    IP_NET_TO_MEDIA_PHYS_ADDRESS = "IP-MIB::ipNetToMediaPhysAddress", "1.3.6.1.2.1.4.22.1.2";
    /// ipNetToMediaType.
    IP_NET_TO_MEDIA_TYPE = "IP-MIB::ipNetToMediaType", "1.3.6.1.2.1.4.22.1.4";
    /// ipNetToPhysicalEntry (ARP and NDP).
    IP_NET_TO_PHYSICAL_ENTRY = "IP-MIB::ipNetToPhysicalEntry", "1.3.6.1.2.1.4.35.1";
    /// ipNetToPhysicalPhysAddress.
    IP_NET_TO_PHYSICAL_PHYS_ADDRESS = "IP-MIB::ipNetToPhysicalPhysAddress", "1.3.6.1.2.1.4.35.1.4";
    /// ipNetToPhysicalType.
    IP_NET_TO_PHYSICAL_TYPE = "IP-MIB::ipNetToPhysicalType", "1.3.6.1.2.1.4.35.1.6";
    /// ipNetToPhysicalState.
    IP_NET_TO_PHYSICAL_STATE = "IP-MIB::ipNetToPhysicalState", "1.3.6.1.2.1.4.35.1.7";

    // BRIDGE-MIB and Q-BRIDGE-MIB.
    /// dot1dBaseBridgeAddress.
    DOT1D_BASE_BRIDGE_ADDRESS = "BRIDGE-MIB::dot1dBaseBridgeAddress", "1.3.6.1.2.1.17.1.1";
    /// dot1dBasePortIfIndex.
    DOT1D_BASE_PORT_IF_INDEX = "BRIDGE-MIB::dot1dBasePortIfIndex", "1.3.6.1.2.1.17.1.4.1.2";
    /// dot1dTpFdbEntry.
    DOT1D_TP_FDB_ENTRY = "BRIDGE-MIB::dot1dTpFdbEntry", "1.3.6.1.2.1.17.4.3.1";
    /// dot1dTpFdbPort.
    DOT1D_TP_FDB_PORT = "BRIDGE-MIB::dot1dTpFdbPort", "1.3.6.1.2.1.17.4.3.1.2";
    /// dot1dTpFdbStatus.
    DOT1D_TP_FDB_STATUS = "BRIDGE-MIB::dot1dTpFdbStatus", "1.3.6.1.2.1.17.4.3.1.3";
    /// dot1qTpFdbEntry.
    DOT1Q_TP_FDB_ENTRY = "Q-BRIDGE-MIB::dot1qTpFdbEntry", "1.3.6.1.2.1.17.7.1.2.2.1";
    /// dot1qTpFdbPort.
    DOT1Q_TP_FDB_PORT = "Q-BRIDGE-MIB::dot1qTpFdbPort", "1.3.6.1.2.1.17.7.1.2.2.1.2";
    /// dot1qTpFdbStatus.
    DOT1Q_TP_FDB_STATUS = "Q-BRIDGE-MIB::dot1qTpFdbStatus", "1.3.6.1.2.1.17.7.1.2.2.1.3";
    /// dot1qVlanFdbId (FDB id to VLAN).
    DOT1Q_VLAN_FDB_ID = "Q-BRIDGE-MIB::dot1qVlanFdbId", "1.3.6.1.2.1.17.7.1.4.2.1.3";

    // LLDP-MIB.
    /// lldpLocChassisIdSubtype.
    LLDP_LOC_CHASSIS_ID_SUBTYPE = "LLDP-MIB::lldpLocChassisIdSubtype", "1.0.8802.1.1.2.1.3.1";
    /// lldpLocChassisId.
    LLDP_LOC_CHASSIS_ID = "LLDP-MIB::lldpLocChassisId", "1.0.8802.1.1.2.1.3.2";
    /// lldpLocPortEntry.
    LLDP_LOC_PORT_ENTRY = "LLDP-MIB::lldpLocPortEntry", "1.0.8802.1.1.2.1.3.7.1";
    /// lldpLocPortId.
    LLDP_LOC_PORT_ID = "LLDP-MIB::lldpLocPortId", "1.0.8802.1.1.2.1.3.7.1.3";
    /// lldpLocPortDesc.
    LLDP_LOC_PORT_DESC = "LLDP-MIB::lldpLocPortDesc", "1.0.8802.1.1.2.1.3.7.1.4";
    /// lldpRemEntry.
    LLDP_REM_ENTRY = "LLDP-MIB::lldpRemEntry", "1.0.8802.1.1.2.1.4.1.1";
    /// lldpRemChassisIdSubtype.
    LLDP_REM_CHASSIS_ID_SUBTYPE = "LLDP-MIB::lldpRemChassisIdSubtype", "1.0.8802.1.1.2.1.4.1.1.4";
    /// lldpRemChassisId.
    LLDP_REM_CHASSIS_ID = "LLDP-MIB::lldpRemChassisId", "1.0.8802.1.1.2.1.4.1.1.5";
    /// lldpRemPortIdSubtype.
    LLDP_REM_PORT_ID_SUBTYPE = "LLDP-MIB::lldpRemPortIdSubtype", "1.0.8802.1.1.2.1.4.1.1.6";
    /// lldpRemPortId.
    LLDP_REM_PORT_ID = "LLDP-MIB::lldpRemPortId", "1.0.8802.1.1.2.1.4.1.1.7";
    /// lldpRemPortDesc.
    LLDP_REM_PORT_DESC = "LLDP-MIB::lldpRemPortDesc", "1.0.8802.1.1.2.1.4.1.1.8";
    /// lldpRemSysName.
    LLDP_REM_SYS_NAME = "LLDP-MIB::lldpRemSysName", "1.0.8802.1.1.2.1.4.1.1.9";
    /// lldpRemSysDesc.
    LLDP_REM_SYS_DESC = "LLDP-MIB::lldpRemSysDesc", "1.0.8802.1.1.2.1.4.1.1.10";
    /// lldpRemSysCapEnabled.
    LLDP_REM_SYS_CAP_ENABLED = "LLDP-MIB::lldpRemSysCapEnabled", "1.0.8802.1.1.2.1.4.1.1.12";
    /// lldpRemManAddrEntry.
    LLDP_REM_MAN_ADDR_ENTRY = "LLDP-MIB::lldpRemManAddrEntry", "1.0.8802.1.1.2.1.4.2.1";
    /// lldpRemManAddrIfSubtype (walked for its index, which holds the address).
    LLDP_REM_MAN_ADDR_IF_SUBTYPE = "LLDP-MIB::lldpRemManAddrIfSubtype", "1.0.8802.1.1.2.1.4.2.1.3";

    // CISCO-CDP-MIB.
    /// cdpCacheEntry.
    CDP_CACHE_ENTRY = "CISCO-CDP-MIB::cdpCacheEntry", "1.3.6.1.4.1.9.9.23.1.2.1.1";
    /// cdpCacheAddressType.
    CDP_CACHE_ADDRESS_TYPE = "CISCO-CDP-MIB::cdpCacheAddressType", "1.3.6.1.4.1.9.9.23.1.2.1.1.3";
    /// cdpCacheAddress.
    CDP_CACHE_ADDRESS = "CISCO-CDP-MIB::cdpCacheAddress", "1.3.6.1.4.1.9.9.23.1.2.1.1.4";
    /// cdpCacheVersion.
    CDP_CACHE_VERSION = "CISCO-CDP-MIB::cdpCacheVersion", "1.3.6.1.4.1.9.9.23.1.2.1.1.5";
    /// cdpCacheDeviceId.
    CDP_CACHE_DEVICE_ID = "CISCO-CDP-MIB::cdpCacheDeviceId", "1.3.6.1.4.1.9.9.23.1.2.1.1.6";
    /// cdpCacheDevicePort.
    CDP_CACHE_DEVICE_PORT = "CISCO-CDP-MIB::cdpCacheDevicePort", "1.3.6.1.4.1.9.9.23.1.2.1.1.7";
    /// cdpCachePlatform.
    CDP_CACHE_PLATFORM = "CISCO-CDP-MIB::cdpCachePlatform", "1.3.6.1.4.1.9.9.23.1.2.1.1.8";
    /// cdpCacheCapabilities.
    CDP_CACHE_CAPABILITIES = "CISCO-CDP-MIB::cdpCacheCapabilities", "1.3.6.1.4.1.9.9.23.1.2.1.1.9";

    // ENTITY-MIB.
    /// entPhysicalEntry.
    ENT_PHYSICAL_ENTRY = "ENTITY-MIB::entPhysicalEntry", "1.3.6.1.2.1.47.1.1.1.1";
    /// entPhysicalDescr.
    ENT_PHYSICAL_DESCR = "ENTITY-MIB::entPhysicalDescr", "1.3.6.1.2.1.47.1.1.1.1.2";
    /// entPhysicalVendorType.
    ENT_PHYSICAL_VENDOR_TYPE = "ENTITY-MIB::entPhysicalVendorType", "1.3.6.1.2.1.47.1.1.1.1.3";
    /// entPhysicalContainedIn.
    ENT_PHYSICAL_CONTAINED_IN = "ENTITY-MIB::entPhysicalContainedIn", "1.3.6.1.2.1.47.1.1.1.1.4";
    /// entPhysicalClass.
    ENT_PHYSICAL_CLASS = "ENTITY-MIB::entPhysicalClass", "1.3.6.1.2.1.47.1.1.1.1.5";
    /// entPhysicalParentRelPos.
    ENT_PHYSICAL_PARENT_REL_POS = "ENTITY-MIB::entPhysicalParentRelPos", "1.3.6.1.2.1.47.1.1.1.1.6";
    /// entPhysicalName.
    ENT_PHYSICAL_NAME = "ENTITY-MIB::entPhysicalName", "1.3.6.1.2.1.47.1.1.1.1.7";
    /// entPhysicalHardwareRev.
    ENT_PHYSICAL_HARDWARE_REV = "ENTITY-MIB::entPhysicalHardwareRev", "1.3.6.1.2.1.47.1.1.1.1.8";
    /// entPhysicalFirmwareRev.
    ENT_PHYSICAL_FIRMWARE_REV = "ENTITY-MIB::entPhysicalFirmwareRev", "1.3.6.1.2.1.47.1.1.1.1.9";
    /// entPhysicalSoftwareRev.
    ENT_PHYSICAL_SOFTWARE_REV = "ENTITY-MIB::entPhysicalSoftwareRev", "1.3.6.1.2.1.47.1.1.1.1.10";
    /// entPhysicalSerialNum.
    ENT_PHYSICAL_SERIAL_NUM = "ENTITY-MIB::entPhysicalSerialNum", "1.3.6.1.2.1.47.1.1.1.1.11";
    /// entPhysicalMfgName.
    ENT_PHYSICAL_MFG_NAME = "ENTITY-MIB::entPhysicalMfgName", "1.3.6.1.2.1.47.1.1.1.1.12";
    /// entPhysicalModelName.
    ENT_PHYSICAL_MODEL_NAME = "ENTITY-MIB::entPhysicalModelName", "1.3.6.1.2.1.47.1.1.1.1.13";
    /// entPhysicalAlias.
    ENT_PHYSICAL_ALIAS = "ENTITY-MIB::entPhysicalAlias", "1.3.6.1.2.1.47.1.1.1.1.14";
    /// entPhysicalAssetID.
    ENT_PHYSICAL_ASSET_ID = "ENTITY-MIB::entPhysicalAssetID", "1.3.6.1.2.1.47.1.1.1.1.15";
    /// entPhysicalIsFRU.
    ENT_PHYSICAL_IS_FRU = "ENTITY-MIB::entPhysicalIsFRU", "1.3.6.1.2.1.47.1.1.1.1.16";

    // HOST-RESOURCES-MIB.
    /// hrSystem.
    HR_SYSTEM = "HOST-RESOURCES-MIB::hrSystem", "1.3.6.1.2.1.25.1";
    /// hrMemorySize.
    HR_MEMORY_SIZE = "HOST-RESOURCES-MIB::hrMemorySize", "1.3.6.1.2.1.25.2.2";
    /// hrStorageEntry.
    HR_STORAGE_ENTRY = "HOST-RESOURCES-MIB::hrStorageEntry", "1.3.6.1.2.1.25.2.3.1";
    /// hrStorageType.
    HR_STORAGE_TYPE = "HOST-RESOURCES-MIB::hrStorageType", "1.3.6.1.2.1.25.2.3.1.2";
    /// hrStorageDescr.
    HR_STORAGE_DESCR = "HOST-RESOURCES-MIB::hrStorageDescr", "1.3.6.1.2.1.25.2.3.1.3";
    /// hrStorageAllocationUnits.
    HR_STORAGE_ALLOCATION_UNITS = "HOST-RESOURCES-MIB::hrStorageAllocationUnits", "1.3.6.1.2.1.25.2.3.1.4";
    /// hrStorageSize.
    HR_STORAGE_SIZE = "HOST-RESOURCES-MIB::hrStorageSize", "1.3.6.1.2.1.25.2.3.1.5";
    /// hrStorageUsed.
    HR_STORAGE_USED = "HOST-RESOURCES-MIB::hrStorageUsed", "1.3.6.1.2.1.25.2.3.1.6";
    /// hrDeviceEntry.
    HR_DEVICE_ENTRY = "HOST-RESOURCES-MIB::hrDeviceEntry", "1.3.6.1.2.1.25.3.2.1";
    /// hrDeviceType.
    HR_DEVICE_TYPE = "HOST-RESOURCES-MIB::hrDeviceType", "1.3.6.1.2.1.25.3.2.1.2";
    /// hrDeviceDescr.
    HR_DEVICE_DESCR = "HOST-RESOURCES-MIB::hrDeviceDescr", "1.3.6.1.2.1.25.3.2.1.3";
    /// hrDeviceID.
    HR_DEVICE_ID = "HOST-RESOURCES-MIB::hrDeviceID", "1.3.6.1.2.1.25.3.2.1.4";
    /// hrDeviceStatus.
    HR_DEVICE_STATUS = "HOST-RESOURCES-MIB::hrDeviceStatus", "1.3.6.1.2.1.25.3.2.1.5";
    /// hrProcessorEntry.
    HR_PROCESSOR_ENTRY = "HOST-RESOURCES-MIB::hrProcessorEntry", "1.3.6.1.2.1.25.3.3.1";
    /// hrProcessorLoad.
    HR_PROCESSOR_LOAD = "HOST-RESOURCES-MIB::hrProcessorLoad", "1.3.6.1.2.1.25.3.3.1.2";
    /// hrSWInstalledName: installed packages, for inventory and for
    /// recognising appliances built on a stock OS.
    HR_SW_INSTALLED_NAME = "HOST-RESOURCES-MIB::hrSWInstalledName", "1.3.6.1.2.1.25.6.3.1.2";

    // Printer-MIB.
    /// prtGeneralEntry.
    PRT_GENERAL_ENTRY = "Printer-MIB::prtGeneralEntry", "1.3.6.1.2.1.43.5.1.1";
    /// prtGeneralPrinterName.
    PRT_GENERAL_PRINTER_NAME = "Printer-MIB::prtGeneralPrinterName", "1.3.6.1.2.1.43.5.1.1.16";
    /// prtGeneralSerialNumber.
    PRT_GENERAL_SERIAL_NUMBER = "Printer-MIB::prtGeneralSerialNumber", "1.3.6.1.2.1.43.5.1.1.17";
    /// prtMarkerLifeCount.
    PRT_MARKER_LIFE_COUNT = "Printer-MIB::prtMarkerLifeCount", "1.3.6.1.2.1.43.10.2.1.4";
    /// prtMarkerSuppliesEntry.
    PRT_MARKER_SUPPLIES_ENTRY = "Printer-MIB::prtMarkerSuppliesEntry", "1.3.6.1.2.1.43.11.1.1";
    /// prtMarkerSuppliesType.
    PRT_MARKER_SUPPLIES_TYPE = "Printer-MIB::prtMarkerSuppliesType", "1.3.6.1.2.1.43.11.1.1.5";
    /// prtMarkerSuppliesDescription.
    PRT_MARKER_SUPPLIES_DESCRIPTION = "Printer-MIB::prtMarkerSuppliesDescription", "1.3.6.1.2.1.43.11.1.1.6";
    /// prtMarkerSuppliesMaxCapacity.
    PRT_MARKER_SUPPLIES_MAX_CAPACITY = "Printer-MIB::prtMarkerSuppliesMaxCapacity", "1.3.6.1.2.1.43.11.1.1.8";
    /// prtMarkerSuppliesLevel.
    PRT_MARKER_SUPPLIES_LEVEL = "Printer-MIB::prtMarkerSuppliesLevel", "1.3.6.1.2.1.43.11.1.1.9";

    // UPS-MIB.
    /// upsIdent.
    UPS_IDENT = "UPS-MIB::upsIdent", "1.3.6.1.2.1.33.1.1";
    /// upsIdentManufacturer.
    UPS_IDENT_MANUFACTURER = "UPS-MIB::upsIdentManufacturer", "1.3.6.1.2.1.33.1.1.1";
    /// upsIdentModel.
    UPS_IDENT_MODEL = "UPS-MIB::upsIdentModel", "1.3.6.1.2.1.33.1.1.2";
    /// upsIdentUPSSoftwareVersion.
    UPS_IDENT_UPS_SOFTWARE_VERSION = "UPS-MIB::upsIdentUPSSoftwareVersion", "1.3.6.1.2.1.33.1.1.3";
    /// upsIdentName.
    UPS_IDENT_NAME = "UPS-MIB::upsIdentName", "1.3.6.1.2.1.33.1.1.5";
    /// upsBattery.
    UPS_BATTERY = "UPS-MIB::upsBattery", "1.3.6.1.2.1.33.1.2";
    /// upsBatteryStatus.
    UPS_BATTERY_STATUS = "UPS-MIB::upsBatteryStatus", "1.3.6.1.2.1.33.1.2.1";
    /// upsEstimatedMinutesRemaining.
    UPS_ESTIMATED_MINUTES_REMAINING = "UPS-MIB::upsEstimatedMinutesRemaining", "1.3.6.1.2.1.33.1.2.3";
    /// upsEstimatedChargeRemaining.
    UPS_ESTIMATED_CHARGE_REMAINING = "UPS-MIB::upsEstimatedChargeRemaining", "1.3.6.1.2.1.33.1.2.4";
}
