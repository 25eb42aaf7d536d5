"""commercetools API extension that applies Talon.One promotions to carts."""

import os

# The handler uses no pydantic plugins, and looking them up reads the metadata of every installed
# package (over 10 ms of each cold start). A deployment that wants plugins can set this itself.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
