"""dropwizard: find out why calls drop on a VOS3000 softswitch."""

__version__ = "0.1.0"
