"""The Pulumi program that deploys the handler and registers it in commercetools.

``program.run`` is the program itself (the root ``__main__.py`` calls it); ``python -m infra``
offers the offline plan and the README's configuration reference.
"""
