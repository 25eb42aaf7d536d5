"""commercetools resources managed by the stack: the custom types and the API extension.

``client`` speaks the HTTP API, ``drafts`` and ``diff`` are pure functions from configuration and
live resources to drafts and update actions, ``providers`` are the Pulumi dynamic providers.
"""
