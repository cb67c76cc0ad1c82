"""Request signatures made the way the platforms' own pages make them.

JD's ``h5st`` and Pinduoduo's ``anti_content`` are computed by the platforms' own obfuscated scripts,
whose algorithms and keys change with their versions; a re-implementation is refused the day they
change. So the crawler asks a mobile browser page of the platform to run its own signing code
(:class:`BrowserPageSigner` subclasses, one cached page per platform per crawl). Taobao's mtop ``sign``
is a documented md5 and stays in Python (:class:`MtopSigner`). All of them implement :class:`Signer`;
a failure raises :class:`SigningFailed`, which the crawl reports as a ``signing`` block.
"""

from crawler.signing.base import Signed, Signer, SigningFailed, signing_block
from crawler.signing.jd import JdSigner
from crawler.signing.mtop import MtopSigner
from crawler.signing.page import SigningPage
from crawler.signing.pdd import PddSigner

__all__ = [
    "JdSigner",
    "MtopSigner",
    "PddSigner",
    "Signed",
    "Signer",
    "SigningFailed",
    "SigningPage",
    "signing_block",
]
