"""The public status page: HTML, JSON and Atom views over the published data (``services.status_page``)."""
