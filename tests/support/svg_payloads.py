"""Hostile SVG pictures: the payload corpus the viewer's sanitizer is tested against.

Each ``Payload`` is a small SVG (a 400 x 200 picture, not a flamegraph) carrying one attack.
Placeholders are filled in by ``Payload.svg(beacon)``:

* ``{B}`` is a loopback URL of the test's beacon server, unique to the payload
  (``<beacon>/<payload name>``): any request to it is a leak, and names its payload;
* ``{J}`` is a JavaScript statement that sets the global canary (``top.__pwned``); it
  contains no quote, so it fits in any attribute;
* ``{XHTML}`` is the XHTML namespace.

The browser tests (``tests/test_svg_payloads_browser.py``) show each one in the notebook
widget and in the dashboard modal and assert that nothing runs, nothing is fetched and nothing
is drawn outside the viewer's box. ``server_refuses`` marks the files ``validate_svg`` refuses
(entities, DTDs): the dashboard cannot receive them, the viewer refuses them with a message.
"""

from __future__ import annotations

from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XHTML_NS = "http://www.w3.org/1999/xhtml"
CANARY_JS = "top.__pwned=1"

# What every payload draws around its attack: the picture the viewer must still show.
PICTURE = (
    '<rect id="bg" x="0" y="0" width="400" height="200" fill="#cde"/>'
    '<text id="caption" x="20" y="40" font-size="20" fill="#123">picture</text>'
)
# A rect over the whole picture: the centre of the viewer lands on it, so clicks and hovers
# reach the handlers it carries.
COVER = '<rect x="0" y="0" width="400" height="200" fill="#fc9" {attr}/>'


@dataclass(frozen=True)
class Payload:
    """One hostile SVG: markup inside the root, extra root attributes, an optional prolog."""

    name: str
    body: str
    root_attrs: str = ""
    prolog: str = ""
    server_refuses: bool = False

    def svg(self, beacon: str) -> bytes:
        """The SVG bytes, with ``{B}`` pointing at ``<beacon>/<name>``."""

        def fill(text: str) -> str:
            return (
                text.replace("{B}", f"{beacon}/{self.name}")
                .replace("{J}", CANARY_JS)
                .replace("{XHTML}", XHTML_NS)
            )

        return (
            f'{fill(self.prolog)}<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" '
            f'width="400" height="200" viewBox="0 0 400 200" {fill(self.root_attrs)}>'
            f"{PICTURE}{fill(self.body)}</svg>"
        ).encode()


# Every event handler attribute worth trying, each on a rect covering the picture. The browser
# test hovers, clicks, double-clicks, right-clicks, focuses and scrolls the viewer's centre.
HANDLERS = [
    "onload",
    "onerror",
    "onclick",
    "ondblclick",
    "onauxclick",
    "oncontextmenu",
    "onmousedown",
    "onmouseup",
    "onmouseover",
    "onmousemove",
    "onmouseout",
    "onmouseenter",
    "onmouseleave",
    "onpointerdown",
    "onpointerup",
    "onpointerover",
    "onpointerenter",
    "onpointermove",
    "onwheel",
    "onfocus",
    "onfocusin",
    "onactivate",
    "onanimationstart",
    "ontransitionrun",
    "onbegin",
]

_LINK = '<a {attr}><rect x="0" y="0" width="400" height="200" fill="#9cf"/></a>'

PAYLOADS: list[Payload] = [
    # -- script, in every form ---------------------------------------------------------------
    Payload("script", "<script>{J}</script>"),
    Payload("script-cdata", '<script type="text/ecmascript"><![CDATA[{J}]]></script>'),
    Payload("script-src-href", '<script href="{B}/script.js"/>'),
    Payload("script-src-xlink", '<script xlink:href="{B}/script.js"/>'),
    Payload("script-xhtml", '<html:script xmlns:html="{XHTML}">{J}</html:script>'),
    Payload("script-prefixed-svg", f'<s:script xmlns:s="{SVG_NS}">{{J}}</s:script>'),
    Payload("handler-element", '<handler type="application/ecmascript">{J}</handler>'),
    # -- event handlers ------------------------------------------------------------------------
    *[
        Payload(f"handler-{name}", COVER.replace("{attr}", f'{name}="{{J}}" tabindex="0"'))
        for name in HANDLERS
    ],
    Payload("handler-svg-onload", "", root_attrs='onload="{J}"'),
    Payload("handler-mixed-case", COVER.replace("{attr}", 'OnClick="{J}" ONMOUSEOVER="{J}"')),
    Payload(
        "handler-image-onerror",
        '<image href="x:y" x="0" y="0" width="400" height="200" onerror="{J}"/>',
    ),
    Payload(
        "handler-animate-onbegin",
        '<animate attributeName="opacity" from="1" to="0.9" dur="0.05s" onbegin="{J}" onend="{J}"/>',
    ),
    Payload(
        "handler-css-animation",
        "<style>@keyframes k { from { opacity: 1 } to { opacity: .9 } }</style>"
        + COVER.replace("{attr}", 'style="animation: k 50ms" onanimationstart="{J}"'),
    ),
    # -- javascript: and data: URLs in every spelling --------------------------------------------
    Payload("js-href", _LINK.replace("{attr}", 'href="javascript:{J}"')),
    Payload("js-xlink-href", _LINK.replace("{attr}", 'xlink:href="javascript:{J}"')),
    Payload("js-mixed-case", _LINK.replace("{attr}", 'href="JaVaScRiPt:{J}"')),
    Payload("js-leading-space", _LINK.replace("{attr}", 'href=" \t javascript:{J}"')),
    Payload("js-entity-decimal", _LINK.replace("{attr}", 'href="&#106;avascript:{J}"')),
    Payload("js-entity-hex", _LINK.replace("{attr}", 'href="&#x6A;avascript&#x3A;{J}"')),
    Payload("js-tab-inside", _LINK.replace("{attr}", 'href="java&#x09;script:{J}"')),
    Payload("js-newline-inside", _LINK.replace("{attr}", 'href="java&#10;scr&#13;ipt:{J}"')),
    Payload("vbscript-href", _LINK.replace("{attr}", 'href="vbscript:msgbox(1)"')),
    Payload(
        "data-html-href",
        _LINK.replace(
            "{attr}", 'href="data:text/html;base64,PHNjcmlwdD50b3AuX19wd25lZD0xPC9zY3JpcHQ+"'
        ),
    ),
    Payload("http-href", _LINK.replace("{attr}", 'href="{B}/a-href"')),
    Payload("http-href-target", _LINK.replace("{attr}", 'href="{B}/a-target" target="_blank"')),
    Payload("relative-href-xml-base", _LINK.replace("{attr}", 'xml:base="{B}/" href="rel"')),
    # -- foreign content ---------------------------------------------------------------------------
    Payload(
        "foreignobject-img-onerror",
        '<foreignObject width="400" height="200"><html:img xmlns:html="{XHTML}" src="x:y" '
        'onerror="{J}"/></foreignObject>',
    ),
    Payload(
        "foreignobject-iframe-js",
        '<foreignObject width="400" height="200"><body xmlns="{XHTML}">'
        '<iframe src="javascript:top.__pwned=1"/></body></foreignObject>',
    ),
    Payload(
        "foreignobject-img-http",
        '<foreignObject width="400" height="200"><img xmlns="{XHTML}" src="{B}/fo-img"/>'
        "</foreignObject>",
    ),
    Payload(
        "foreignobject-fixed-div",
        '<foreignObject width="400" height="200"><div xmlns="{XHTML}" '
        'style="position:fixed;inset:0;background:red;z-index:2147483647">cover</div>'
        "</foreignObject>",
    ),
    Payload("xhtml-iframe", '<iframe xmlns="{XHTML}" src="{B}/iframe"/>'),
    Payload(
        "xhtml-iframe-srcdoc", '<iframe xmlns="{XHTML}" srcdoc="&lt;script&gt;{J}&lt;/script&gt;"/>'
    ),
    Payload("xhtml-base", '<base xmlns="{XHTML}" href="{B}/base/"/>'),
    Payload(
        "xhtml-link-stylesheet", '<link xmlns="{XHTML}" rel="stylesheet" href="{B}/link.css"/>'
    ),
    Payload("xhtml-style-import", '<style xmlns="{XHTML}">@import "{B}/html-style";</style>'),
    Payload(
        "xhtml-meta-refresh",
        '<meta xmlns="{XHTML}" http-equiv="refresh" content="0;url={B}/meta"/>',
    ),
    Payload("xhtml-object", '<object xmlns="{XHTML}" data="{B}/object"/>'),
    Payload("xhtml-embed", '<embed xmlns="{XHTML}" src="{B}/embed"/>'),
    # -- use / image / feImage -----------------------------------------------------------------
    Payload("use-http", '<use href="{B}/use.svg#x"/>'),
    Payload("use-xlink-http", '<use xlink:href="{B}/use2.svg#x"/>'),
    Payload("use-javascript", '<use href="javascript:{J}"/>'),
    Payload(
        "use-data-svg",
        "<use href=\"data:image/svg+xml,&lt;svg id='x' xmlns='http://www.w3.org/2000/svg'&gt;"
        "&lt;image href='{B}/use-data' width='9' height='9'/&gt;&lt;/svg&gt;#x\"/>",
    ),
    Payload("image-http", '<image href="{B}/image.png" width="40" height="40"/>'),
    Payload("image-xlink-http", '<image xlink:href="{B}/image2.png" width="40" height="40"/>'),
    Payload("image-javascript", '<image href="javascript:{J}" width="40" height="40"/>'),
    Payload(
        "image-data-svg",
        '<image width="40" height="40" href="data:image/svg+xml,&lt;svg '
        "xmlns='http://www.w3.org/2000/svg'&gt;&lt;rect width='9' height='9' "
        "style='fill:url(%22{B}/inner%22)'/&gt;&lt;/svg&gt;\"/>",
    ),
    Payload(
        "feimage-http",
        '<filter id="f"><feImage href="{B}/feimage.png"/></filter>'
        '<rect width="400" height="200" filter="url(#f)"/>',
    ),
    Payload(
        "feimage-xlink-javascript",
        '<filter id="f"><feImage xlink:href="javascript:{J}"/></filter>'
        '<rect width="400" height="200" filter="url(#f)"/>',
    ),
    # -- animations onto links and handlers ----------------------------------------------------
    Payload(
        "animate-href",
        '<a><rect width="400" height="200" fill="#9cf"/>'
        '<animate attributeName="href" values="javascript:{J}" dur="0.05s" fill="freeze"/></a>',
    ),
    Payload(
        "set-xlink-href",
        '<a><rect width="400" height="200" fill="#9cf"/>'
        '<set attributeName="xlink:href" to="javascript:{J}"/></a>',
    ),
    Payload(
        "set-onclick",
        '<rect width="400" height="200" fill="#9cf"><set attributeName="onclick" to="{J}"/></rect>',
    ),
    Payload(
        "animate-image-href-http",
        '<image width="40" height="40"><animate attributeName="href" to="{B}/anim.png" '
        'dur="0.05s" fill="freeze"/></image>',
    ),
    Payload(
        "set-fill-external",
        '<rect width="400" height="200"><set attributeName="fill" to="url({B}/set.svg#p)"/></rect>',
    ),
    Payload(
        "animatetransform-huge",
        '<rect width="400" height="200" fill="red"><animateTransform attributeName="transform" '
        'type="scale" from="1" to="1000" dur="0.01s" fill="freeze"/></rect>',
    ),
    # -- CSS that fetches, spelled to slip past filters ------------------------------------------
    Payload(
        "css-url-escape-75", "<style>:host { background: \\75 rl({B}/esc-75) !important }</style>"
    ),
    Payload(
        "css-url-escape-000075",
        "<style>:host { background: \\000075rl({B}/esc-6) !important }</style>",
    ),
    Payload(
        "css-url-escape-u-r", "<style>:host { background: u\\rl({B}/esc-r) !important }</style>"
    ),
    Payload(
        "css-url-escape-upper",
        "<style>:host { background: \\55 RL({B}/esc-up) !important }</style>",
    ),
    Payload("css-import", '<style>@import url("{B}/import.css");</style>'),
    Payload("css-import-escaped", '<style>@\\69mport "{B}/import-esc.css";</style>'),
    Payload("css-import-comment", '<style>@import/**/"{B}/import-cmt.css";</style>'),
    Payload(
        "css-image-set",
        '<style>:host { background-image: image-set("{B}/is.png" 1x) !important }</style>',
    ),
    Payload(
        "css-webkit-image-set",
        '<style>:host { background-image: -webkit-image-set(url("{B}/wis.png") 1x) !important }</style>',
    ),
    Payload(
        "css-font-face",
        '<style>@font-face { font-family: evil; src: url("{B}/font.woff") }'
        " text { font-family: evil }</style>",
    ),
    Payload("css-cursor-url", '<style>rect { cursor: url("{B}/cursor.png"), auto }</style>'),
    Payload("css-mask-image", '<style>rect { mask-image: url("{B}/mask.png") }</style>'),
    Payload("css-filter-url", '<style>rect { filter: url("{B}/filter.svg#f") }</style>'),
    Payload(
        "css-viewport-background", '<style>.dw-viewport { background: url("{B}/vp.png") }</style>'
    ),
    Payload(
        "css-custom-property",
        '<style>:host { --x: url("{B}/var.png"); background-image: var(--x) !important }</style>',
    ),
    Payload(
        "css-in-media-and-supports",
        '<style>@media all { @supports (display: block) { :host { background: url("{B}/media") !important } } }'
        "</style>",
    ),
    Payload(
        "style-attr-entity-url", COVER.replace("{attr}", 'style="mask-image: &#117;rl({B}/ent)"')
    ),
    Payload(
        "style-attr-escaped-url", COVER.replace("{attr}", 'style="mask-image: \\75 rl({B}/sa-esc)"')
    ),
    Payload(
        "style-attr-cursor", COVER.replace("{attr}", 'style="cursor: url({B}/sa-cursor.png), auto"')
    ),
    Payload(
        "style-attr-image-set",
        COVER.replace("{attr}", "style=\"mask-image: image-set('{B}/sa-is.png' 1x)\""),
    ),
    Payload(
        "style-attr-expression-binding",
        COVER.replace(
            "{attr}",
            'style="width: expression(alert(1)); -moz-binding: url({B}/xbl); behavior: url({B}/htc)"',
        ),
    ),
    Payload("presentation-filter-http", COVER.replace("{attr}", 'filter="url({B}/pf.svg#f)"')),
    Payload("presentation-mask-http", COVER.replace("{attr}", 'mask="url({B}/pm.svg#m)"')),
    Payload(
        "presentation-clip-path-http", COVER.replace("{attr}", 'clip-path="url({B}/pc.svg#c)"')
    ),
    Payload(
        "presentation-cursor-http", COVER.replace("{attr}", 'cursor="url({B}/pcur.png), auto"')
    ),
    Payload(
        "presentation-fill-http", '<rect width="400" height="200" fill="url({B}/pfill.svg#p)"/>'
    ),
    Payload(
        "gradient-href-http",
        '<linearGradient id="g" href="{B}/grad.svg#g"/><rect width="400" height="200" fill="url(#g)"/>',
    ),
    Payload(
        "pattern-xlink-href-http",
        '<pattern id="p" xlink:href="{B}/pat.svg#p"/><rect width="400" height="200" fill="url(#p)"/>',
    ),
    # -- escaping the viewer's box -------------------------------------------------------------
    Payload(
        "host-fixed-cover",
        "<style>:host { position: fixed !important; inset: 0 !important; width: 100vw !important;"
        " height: 100vh !important; z-index: 2147483647 !important; background: red !important }"
        "</style>",
    ),
    Payload(
        "host-context-fixed",
        "<style>:host-context(body) { position: fixed !important; top: 0 !important;"
        " left: 0 !important; width: 100vw !important; height: 100vh !important;"
        " z-index: 2147483647 !important }</style>",
    ),
    Payload("host-outline", "<style>:host { outline: 3000px solid red !important }</style>"),
    Payload("host-box-shadow", "<style>:host { box-shadow: 0 0 0 3000px red !important }</style>"),
    Payload("host-negative-margin", "<style>:host { margin-top: -400px !important }</style>"),
    Payload("host-transform", "<style>:host { transform: scale(6) !important }</style>"),
    Payload(
        "viewport-fixed",
        "<style>.dw-viewport, .dw-stage { position: fixed !important; inset: 0 !important;"
        " width: 100vw !important; height: 100vh !important; background: red }</style>",
    ),
    Payload(
        "svg-root-fixed",
        "<style>svg { position: fixed !important; top: 0 !important; left: 0 !important;"
        " width: 100vw !important; height: 100vh !important; overflow: visible !important;"
        " z-index: 2147483647 }</style>",
    ),
    Payload(
        "svg-root-style-attr-fixed",
        "",
        root_attrs='style="position:fixed;inset:0;width:100vw;height:100vh;z-index:2147483647"',
    ),
    Payload(
        "huge-transform",
        '<g transform="scale(1000)"><rect width="400" height="200" fill="red"/></g>',
    ),
    Payload(
        "huge-width", '<rect x="-50000" y="-50000" width="100000" height="100000" fill="red"/>'
    ),
    Payload(
        "nested-svg-overflow-visible",
        '<svg x="-2000" y="-2000" width="5000" height="5000" overflow="visible" '
        'style="overflow: visible"><rect x="-5000" width="20000" height="20000" fill="red"/></svg>',
    ),
    # -- documents: processing instructions, DTDs, entities ---------------------------------------
    Payload(
        "xml-stylesheet-pi",
        "",
        prolog='<?xml-stylesheet type="text/css" href="{B}/pi.css"?>',
    ),
    Payload(
        "doctype-internal-entity",
        "<text y='90'>&e;</text>",
        prolog='<!DOCTYPE svg [<!ENTITY e "entity">]>',
        server_refuses=True,
    ),
    Payload(
        "doctype-external-entity",
        "<text y='90'>&x;</text>",
        prolog='<!DOCTYPE svg [<!ENTITY x SYSTEM "{B}/xxe">]>',
        server_refuses=True,
    ),
    Payload(
        "doctype-parameter-entity",
        "",
        prolog='<!DOCTYPE svg [<!ENTITY % p SYSTEM "{B}/dtd"> %p;]>',
        server_refuses=True,
    ),
    Payload(
        "doctype-external-dtd",
        "",
        prolog='<!DOCTYPE svg SYSTEM "{B}/ext.dtd">',
        server_refuses=True,
    ),
    Payload(
        "billion-laughs",
        "<text y='90'>&c;</text>",
        prolog='<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        server_refuses=True,
    ),
]

PAYLOAD_NAMES = [p.name for p in PAYLOADS]
assert len(set(PAYLOAD_NAMES)) == len(PAYLOAD_NAMES), "payload names must be unique"
