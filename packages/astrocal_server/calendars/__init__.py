"""External calendars: Google, Microsoft Graph and CalDAV behind one provider protocol (``base``)."""
