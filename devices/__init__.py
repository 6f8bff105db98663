"""Device adapters by protocol name. Adding a device protocol: one module and one line here."""

from devices import generic, homeassistant, tasmota, zigbee2mqtt
from devices.base import Adapter

ADAPTERS: dict[str, Adapter] = {
    "zigbee2mqtt": zigbee2mqtt,
    "tasmota": tasmota,
    "homeassistant": homeassistant,
    "generic": generic,
}
