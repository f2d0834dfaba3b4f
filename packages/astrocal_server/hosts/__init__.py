"""Hosts: the people whose time is booked (see :mod:`astrocal_server.hosts.service`)."""
