"""The live store: the SMS Gateways registry's database, REST API and web page. It imports
only gwctl.core and gwctl.errors, so it can be served without the config reader."""
