"""The sandbox's request signatures: JD ``h5st`` (version 5.1, ten parts) and PDD ``anti_content``.

They are made by scripts the sandbox serves where the real pages load theirs (JD's security script
``js_security_v3`` on ``storage.360buyimg.com`` defining ``window.ParamsSign``; PDD's anti-content module
on ``static.pddpic.com``) and verified here, with keys the sandbox rotates. A rotation ships new script
versions: a signature made by the previous version is still accepted (a page loaded just before the
rotation keeps working), older ones are refused. So a crawler that asks the platform's page to sign keeps
working across rotations, and one that computes signatures itself does not.

The Python functions ``make_h5st`` and ``make_anti_content`` are the sandbox's reference of what its
scripts compute, for the sandbox's own tests; the crawler never uses them.

h5st parts: ``stamp;fp;appId;tk;sig;5.1;ms;env;sig2;extra`` where ``stamp`` is ``ms`` as UTC
``yyyyMMddHHmmssSSS``, ``tk = "tk05w" + epoch(4 hex) + sha256(salt:fp:appId)[:32]``, ``sig =
HMAC-SHA256(key = sha256(tk+fp+stamp+appId+salt), "appid:…&body:<sha256(body)>&client:…&clientVersion:…
&functionId:…&t:…")`` (the keys present, sorted), ``sig2 = sha256(sig;fp;ms;salt)[:32]``, ``env`` a base64
environment blob and ``extra = sha256(env)[:16]``. anti_content: ``"0aq" + epoch(4 hex) + nonce(16 hex) +
base36(server ms) + HMAC-SHA256(salt, the part after "0aq")[:24]``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from crawler.sandbox.hashing import hexdigest

H5ST_VERSION = "5.1"
H5ST_SIGNED = ("appid", "body", "client", "clientVersion", "functionId", "t")
JD_SCRIPT_PATH = "/webcontainer/js_security_v3_0.1.5.js"
PDD_SCRIPT_PATH = "/assets/js/anti_content_4.3.2.js"
#: What the served scripts do: sign, be absent from the page, throw when called, or never answer.
SCRIPT_MODES = ("ok", "missing", "throws", "hangs")


@dataclass
class SigningKeys:
    """The sandbox's signing keys: one epoch current, the one before still accepted."""

    seed: int
    epoch: int = 0
    script_mode: str = "ok"
    #: Epochs the keys move on after each accepted signature (2: every page's script is out of date
    #: after one use, so a crawler must load the page again; tests of rotation during a crawl).
    rotate_after_use: int = 0

    def rotate(self, epochs: int = 1) -> int:
        self.epoch += epochs
        return self.epoch

    def used(self) -> None:
        if self.rotate_after_use:
            self.rotate(self.rotate_after_use)

    def salt(self, platform: str, epoch: int | None = None) -> str:
        return hexdigest(
            "signing-salt", self.seed, platform, self.epoch if epoch is None else epoch, length=32
        )

    def accepted(self, epoch: int) -> bool:
        return epoch in (self.epoch, self.epoch - 1)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def stamp(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y%m%d%H%M%S") + f"{ms % 1000:03d}"


def jd_token(salt: str, epoch: int, fp: str, app_id: str) -> str:
    return f"tk05w{epoch:04x}" + _sha256(f"{salt}:{fp}:{app_id}")[:32]


def _signed_string(params: dict[str, str]) -> str:
    return "&".join(f"{k}:{params[k]}" for k in sorted(H5ST_SIGNED) if params.get(k) is not None)


def make_h5st(keys: SigningKeys, params: dict[str, str], fp: str, app_id: str, ms: int) -> str:
    """What the served ParamsSign computes for ``params`` (``body`` already hashed), for sandbox tests."""
    salt = keys.salt("jd")
    tk = jd_token(salt, keys.epoch, fp, app_id)
    when = stamp(ms)
    sig = _hmac(_sha256(tk + fp + when + app_id + salt), _signed_string(params))
    env = base64.b64encode(json.dumps({"sua": "sandbox", "pp": {}, "v": H5ST_VERSION}).encode()).decode()
    sig2 = _sha256(f"{sig};{fp};{ms};{salt}")[:32]
    return ";".join([when, fp, app_id, tk, sig, H5ST_VERSION, str(ms), env, sig2, _sha256(env)[:16]])


def verify_h5st(keys: SigningKeys, value: str, params: dict[str, str], body: str) -> str | None:
    """Why the h5st of a request is refused, or None when it is right for these params and body (an
    accepted signature counts as a use of the keys)."""
    parts = value.split(";")
    if len(parts) != 10:
        return f"h5st has {len(parts)} parts, not 10"
    when, fp, app_id, tk, sig, version, ms, env, sig2, extra = parts
    if version != H5ST_VERSION or not ms.isdigit() or when != stamp(int(ms)):
        return "h5st version or time is wrong"
    if params.get("t") not in (None, ms):
        return "h5st time differs from t"
    match = re.fullmatch(r"tk05w([0-9a-f]{4})[0-9a-f]{32}", tk)
    if not match or not keys.accepted(int(match.group(1), 16)):
        return "h5st token is not current"
    epoch = int(match.group(1), 16)
    salt = keys.salt("jd", epoch)
    if tk != jd_token(salt, epoch, fp, app_id):
        return "h5st token does not belong to its fingerprint"
    signed = {k: params[k] for k in H5ST_SIGNED if k in params and k != "body"}
    signed["body"] = _sha256(body)
    expected = _hmac(_sha256(tk + fp + when + app_id + salt), _signed_string(signed))
    if not hmac.compare_digest(sig, expected):
        return "h5st signature is wrong"
    if sig2 != _sha256(f"{sig};{fp};{ms};{salt}")[:32] or extra != _sha256(env)[:16]:
        return "h5st second hash is wrong"
    keys.used()
    return None


def make_anti_content(keys: SigningKeys, server_ms: int, nonce: str) -> str:
    body = f"{keys.epoch:04x}{nonce}{_base36(server_ms)}"
    return "0aq" + body + _hmac(keys.salt("pdd"), body)[:24]


def verify_anti_content(keys: SigningKeys, value: str) -> str | None:
    match = re.fullmatch(r"0aq(([0-9a-f]{4})[0-9a-f]{16}[0-9a-z]+)([0-9a-f]{24})", value)
    if not match:
        return "anti_content is malformed"
    epoch = int(match.group(2), 16)
    if not keys.accepted(epoch):
        return "anti_content key is not current"
    if not hmac.compare_digest(match.group(3), _hmac(keys.salt("pdd", epoch), match.group(1))[:24]):
        return "anti_content is forged"
    keys.used()
    return None


def _failure(keys: SigningKeys, what: str) -> str:
    """The statement a failing script mode puts where the signature is made."""
    if keys.script_mode == "throws":
        return f"throw new Error('{what}: environment check failed');"
    if keys.script_mode == "hangs":
        return "return;"
    return ""


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


# ----- the served scripts ------------------------------------------------------------------------


def _icbrt(n: int) -> int:
    x = 1 << ((n.bit_length() + 2) // 3)
    while True:
        y = (2 * x + n // (x * x)) // 3
        if y >= x:
            return x
        x = y


@lru_cache(maxsize=1)
def sha256_js() -> str:
    """SHA-256 and HMAC-SHA256 over UTF-8 strings, as the pages' own scripts carry them."""
    primes = [p for p in range(2, 312) if all(p % d for d in range(2, int(p**0.5) + 1))][:64]
    k = ",".join(f"0x{_icbrt(p << 96) & 0xFFFFFFFF:08x}" for p in primes)
    return (
        "var K=["
        + k
        + "];"
        + r"""
function ror(x,n){return (x>>>n)|(x<<(32-n));}
function utf8(s){return Array.prototype.slice.call(new TextEncoder().encode(s));}
function digest(bytes){
  var H=[0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
  var m=bytes.slice(),bits=bytes.length*8,i,t,o;m.push(0x80);while(m.length%64!==56)m.push(0);
  for(i=0;i<4;i++)m.push(0);for(i=3;i>=0;i--)m.push((bits>>>(i*8))&255);
  var W=new Array(64);
  for(o=0;o<m.length;o+=64){
    for(t=0;t<16;t++)W[t]=(m[o+4*t]<<24)|(m[o+4*t+1]<<16)|(m[o+4*t+2]<<8)|m[o+4*t+3];
    for(t=16;t<64;t++){var x=W[t-15],y=W[t-2];
      W[t]=(W[t-16]+(ror(x,7)^ror(x,18)^(x>>>3))+W[t-7]+(ror(y,17)^ror(y,19)^(y>>>10)))|0;}
    var a=H[0],b=H[1],c=H[2],d=H[3],e=H[4],f=H[5],g=H[6],h=H[7];
    for(t=0;t<64;t++){
      var T1=(h+(ror(e,6)^ror(e,11)^ror(e,25))+((e&f)^(~e&g))+K[t]+W[t])|0;
      var T2=((ror(a,2)^ror(a,13)^ror(a,22))+((a&b)^(a&c)^(b&c)))|0;
      h=g;g=f;f=e;e=(d+T1)|0;d=c;c=b;b=a;a=(T1+T2)|0;}
    H[0]=(H[0]+a)|0;H[1]=(H[1]+b)|0;H[2]=(H[2]+c)|0;H[3]=(H[3]+d)|0;
    H[4]=(H[4]+e)|0;H[5]=(H[5]+f)|0;H[6]=(H[6]+g)|0;H[7]=(H[7]+h)|0;}
  var out=[];for(i=0;i<8;i++)for(t=3;t>=0;t--)out.push((H[i]>>>(t*8))&255);return out;}
function hex(bytes){var s='';for(var i=0;i<bytes.length;i++)s+=(bytes[i]<16?'0':'')+bytes[i].toString(16);return s;}
function sha256(s){return hex(digest(utf8(s)));}
function hmac(key,msg){var k=utf8(key),i;if(k.length>64)k=digest(k);while(k.length<64)k.push(0);
  var ip=[],op=[];for(i=0;i<64;i++){ip.push(k[i]^0x36);op.push(k[i]^0x5c);}
  return hex(digest(op.concat(digest(ip.concat(utf8(msg))))));}
"""
    )


def jd_script(keys: SigningKeys) -> str:
    """``js_security_v3``: ``new ParamsSign({appId}).sign({functionId, appid, body: sha256(body), client,
    clientVersion, t})`` resolves to the params with ``h5st`` added."""
    fail = _failure(keys, "ParamsSign")
    return (
        "(function(){"
        + sha256_js()
        + f"var EPOCH='{keys.epoch:04x}',SALT='{keys.salt('jd')}',VERSION='{H5ST_VERSION}';"
        + r"""
function pad(n,w){n=String(n);while(n.length<w)n='0'+n;return n;}
function stamp(ms){var d=new Date(ms);return d.getUTCFullYear()+pad(d.getUTCMonth()+1,2)+pad(d.getUTCDate(),2)+
  pad(d.getUTCHours(),2)+pad(d.getUTCMinutes(),2)+pad(d.getUTCSeconds(),2)+pad(d.getUTCMilliseconds(),3);}
function fingerprint(){var c='0123456789abcdefghijklmnopqrstuvwxyz',s='';for(var i=0;i<16;i++)s+=c[Math.floor(Math.random()*36)];return s;}
var SIGNED=['appid','body','client','clientVersion','functionId','t'];
function ParamsSign(opts){if(!opts||!opts.appId)throw new Error('ParamsSign: appId required');
  this.appId=opts.appId;this.fp=fingerprint();this.tk='tk05w'+EPOCH+sha256(SALT+':'+this.fp+':'+this.appId).slice(0,32);}
ParamsSign.prototype.sign=function(p){var self=this;return new Promise(function(resolve){
  """
        + fail
        + r"""
  var ms=Number(p.t)||Date.now(),st=stamp(ms);
  var signed=SIGNED.filter(function(k){return p[k]!==undefined&&p[k]!==null;}).sort().map(function(k){return k+':'+p[k];}).join('&');
  var sig=hmac(sha256(self.tk+self.fp+st+self.appId+SALT),signed);
  var env=btoa(JSON.stringify({sua:'sandbox',pp:{},v:VERSION}));
  var sig2=sha256(sig+';'+self.fp+';'+ms+';'+SALT).slice(0,32);
  var out={};for(var k in p)out[k]=p[k];
  out.h5st=[st,self.fp,self.appId,self.tk,sig,VERSION,String(ms),env,sig2,sha256(env).slice(0,16)].join(';');
  resolve(out);});};
window.ParamsSign=ParamsSign;
})();
"""
    )


def pdd_script(keys: SigningKeys) -> str:
    """The anti-content module: ``new AntiContent({serverTime}).messagePackSync()`` gives a one-time token."""
    fail = _failure(keys, "anti_content")
    return (
        "(function(){"
        + sha256_js()
        + f"var EPOCH='{keys.epoch:04x}',SALT='{keys.salt('pdd')}';"
        + r"""
function AntiContent(opts){this.serverTime=(opts&&opts.serverTime)||Date.now();}
AntiContent.prototype.messagePackSync=function(){
  """
        + fail
        + r"""
  var n='';for(var i=0;i<16;i++)n+=Math.floor(Math.random()*16).toString(16);
  var body=EPOCH+n+Number(this.serverTime).toString(36);return '0aq'+body+hmac(SALT,body).slice(0,24);};
window.AntiContent=AntiContent;
})();
"""
    )
