"""The API's routes in groups, each a Powertools router that `app` includes in its resolver.

`tickets` is what a customer does with tickets, `signing_in` the sign-in
links and sessions, `support` the support team's routes. `guards` checks who
is asking (as middlewares), `answers` shapes what routes return. Routers are
made per resolver, never shared: Powertools keeps request state on them.
"""
