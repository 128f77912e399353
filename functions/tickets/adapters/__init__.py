"""One module per backend piece; each implements a port of `tickets.ports`."""
