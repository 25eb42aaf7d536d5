"""Bulk migration of existing commercetools customers to Talon.One customer profiles.

python -m handler migrate-customers [--dry-run] [--checkpoint PATH] [--fresh] [...]

Customers are read in id order with an id cursor (``sort=id asc`` and ``id > last``, never an
offset), mapped with ``T1CT_CUSTOMER_PROFILE`` and sent with the bulk ``PUT /v2/customer_profiles``
to every app in ``T1CT_CUSTOMER_APPS`` (all apps by default). Memory stays flat: one page is read
at a time and only the batches in flight are held.

The checkpoint file records, for each app, the ranges of customer ids that app confirmed. It is
replaced atomically after every confirmed batch, so a run that stops for any reason (Ctrl-C, a
failure, ``--max-pages``) resumes after the last id every app confirmed and sends no customer
twice, even when a later batch was confirmed before an earlier one failed.

``checkpoint`` keeps those ranges and their file, ``batches`` turns pages of customers into
request bodies, ``sending`` sends them in parallel with retries, ``progress`` draws the progress
line and prints the summary, ``run`` ties them into one run, and ``command`` is the command line.
"""

from handler.migration.command import main

__all__ = ["main"]
