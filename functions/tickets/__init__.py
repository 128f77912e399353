"""The ticket function: the API (`app`, its `routes` and `refusals`), the desk's rules, the ports
they need, and the adapters of each backend (`adapters`, wired by `backends`); the e-mails it
sends (`emails`, one thread a ticket: `mail_thread`) and those it receives (`inbound`, keeping
what a person wrote: `mail_text`).

It never imports `kbdesk`, so it deploys on its own.
"""
