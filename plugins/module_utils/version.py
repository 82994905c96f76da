# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The collection's name and version, sent to Partner Center in MS-PartnerCenter-Application.

COLLECTION_VERSION must equal galaxy.yml's version (a unit test compares them).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_NAME = "partnercenter.csp"
COLLECTION_VERSION = "0.3.0"
