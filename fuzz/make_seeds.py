#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/<target>/seed-*) from tests/fixtures and hand-written cases.

Run from anywhere: python3 fuzz/make_seeds.py. Re-running rewrites the same files."""
import os, glob, json, struct
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = root + '/fuzz/corpus'
def w(target, name, data):
    d = f'{C}/{target}'
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str): data = data.encode()
    open(f'{d}/seed-{name}', 'wb').write(data)

xml_fixtures = sorted(glob.glob(root + '/tests/fixtures/xml/*.xml'))
json_fixtures = sorted(glob.glob(root + '/tests/fixtures/json/*.json'))
def rd(p): return open(p, 'rb').read()
def base(p): return os.path.splitext(os.path.basename(p))[0]

# xml_message: every fixture plus the edge cases the parser documents.
for p in xml_fixtures: w('xml_message', base(p), rd(p))
edge_xml = {
  'entities': '<xml><Content>&lt;a&gt; &amp; &apos;&quot; &#233;&#xE9; &#13;</Content></xml>',
  'cdata-split': '<xml><Content><![CDATA[a]]]]><![CDATA[>b]]>c&#13;<![CDATA[d]]></Content></xml>',
  'bom-decl-comment-pi': '\ufeff<?xml version="1.0" encoding="UTF-8"?><!-- c --><?pi x?><xml a="1"><A>1</A><!-- d --><B/></xml>',
  'nested-items': '<xml><Articles><item><Title>t</Title></item><item><Title>u</Title></item></Articles><ArticleCount>2</ArticleCount></xml>',
  'doctype': '<!DOCTYPE xml [<!ENTITY x "y">]><xml><A>&x;</A></xml>',
  'crlf-text': '<xml><Content>line1\r\nline2\rline3</Content></xml>',
  'mixed': '<xml><A>text<B/></A></xml>',
}
for k, v in edge_xml.items(): w('xml_message', k, v)

# json_message
for p in json_fixtures: w('json_message', base(p), rd(p))
edge_json = {
  'nested-arrays': '{"ToUserName":"gh","a":[[1,2],[3]],"b":[],"c":{"d":[{"e":null}]},"f":true,"g":23.137466,"MsgId":18446744073709551615}',
  'bom-unicode': '\ufeff{"Content":"\\u4f60\\u597d \\ud83d\\ude00","MsgType":"text","CreateTime":-1}',
  'deep': '{"a":' * 31 + '1' + '}' * 31,
}
for k, v in edge_json.items(): w('json_message', k, v)

# decrypt: mode byte, then the Encrypt text / ciphertext / frame / message.
V1_ENCRYPT = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA=="
APPID = b'wx1234567890abcdef'
w('decrypt', 'encrypt-v1-other-appid', b'\x00' + V1_ENCRYPT.encode())
w('decrypt', 'ciphertext-blocks', b'\x01' + bytes(range(64)))
def frame(msg, appid=APPID, length=None):
    return b'0123456789abcdef' + struct.pack('>I', len(msg) if length is None else length) + msg + appid
def pad32(f):
    n = 32 - len(f) % 32
    return f + bytes([n]) * n
text = rd(root + '/tests/fixtures/xml/text.xml')
w('decrypt', 'frame-padded', b'\x02' + pad32(frame(text)))
w('decrypt', 'frame-full-block-padding', b'\x02' + pad32(frame(b'x' * (32 - 20 - len(APPID) % 32 + 32))))
w('decrypt', 'frame-unpadded-text', b'\x03' + frame(text))
w('decrypt', 'frame-bad-length', b'\x03' + frame(b'<xml/>', length=0xFFFFFFFF))
w('decrypt', 'frame-other-appid', b'\x03' + frame(text, appid=b'wxb11529c136998cb6'))
for p in xml_fixtures[::3] + json_fixtures[:2]:
    w('decrypt', 'message-' + base(p), b'\x04' + rd(p))

# render_reply: arbitrary bytes; text-like seeds with the characters that need care.
for i, s in enumerate(['hello', ']]>]]]>中文😀', 'a\r\nb\rc\t\x01\x1f\x7f', '\ufffe\uffff&#13;&amp;<![CDATA[x]]>',
                       '<xml></xml>' * 4, 'news' + '\x05' * 40 + '标题 描述 https://example.com/p.png']):
    w('render_reply', f'text-{i}', s)

# menu_validation: menus (valid and invalid) and QR code bodies.
full_menu = '''{"button":[
  {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
  {"name":"菜单","sub_button":[
    {"type":"view","name":"搜索","url":"https://www.soso.com/"},
    {"type":"miniprogram","name":"wxa","url":"https://mp.weixin.qq.com","appid":"wx286b93c16bbf9398","pagepath":"pages/lunar/index"},
    {"type":"scancode_waitmsg","name":"扫码带提示","key":"rselfmenu_0_0","sub_button":[]},
    {"type":"pic_photo_or_album","name":"拍照或者相册发图","key":"rselfmenu_1_1"},
    {"type":"media_id","name":"图片","media_id":"MEDIA_ID1"}
  ]},
  {"name":"更多","sub_button":[
    {"type":"scancode_push","name":"扫码推事件","key":"rselfmenu_0_1"},
    {"type":"pic_sysphoto","name":"系统拍照发图","key":"rselfmenu_1_0"},
    {"type":"location_select","name":"发送位置","key":"rselfmenu_2_0"},
    {"type":"article_id","name":"文章","article_id":"ARTICLE_ID1"},
    {"type":"article_view_limited","name":"受限文章","article_id":"ARTICLE_ID2"}
  ]}
]}'''
menus = {
  'full-menu': full_menu,
  'view': '{"button":[{"type":"view","name":"Go","url":"https://a.b/"}]}',
  'view-limited': '{"button":[{"type":"view_limited","name":"n","media_id":"m"}]}',
  'too-many': json.dumps({"button": [{"type": "click", "name": str(i), "key": "K"} for i in range(4)]}),
  'nested-sub': json.dumps({"button": [{"name": "More", "sub_button": [{"name": "x", "sub_button": [{"type": "click", "name": "y", "key": "k"}]}]}]}),
  'bad-fields': '{"button":[{"type":"click","name":"a very long button name","colour":"red"}]}',
  'qr-int': '{"scene": 42, "expire_seconds": 604800}',
  'qr-str-permanent': '{"scene": "promo", "permanent": true}',
  'qr-bad': '{"scene": -1, "permanent": true, "expire_seconds": 0}',
  'qr-huge': '{"scene": 340282366920938463463374607431768211456, "expire_seconds": 9223372036854775807}',
}
for k, v in menus.items(): w('menu_validation', k, v)

# config_parse
w('config_parse', 'sample-config', rd(root + '/config.toml'))
fuzz_rules = '''
  [[accounts.rules]]
  keyword = "hello"
  reply = { text = "world" }
  [[accounts.rules]]
  regex = "^echo (.*)$"
  reply = { text = "$1" }
  [[accounts.rules]]
  event = "subscribe"
  reply = { text = "welcome" }
  [[accounts.rules]]
  event = "click"
  event_key = "MENU_NEWS"
  reply = { news = [ { title = "t", description = "d", pic_url = "https://x/p.png", url = "https://x" } ] }
'''
three = '[server]\nlisten = "127.0.0.1:0"\nhandler_timeout_ms = 1000\nmax_clock_skew_secs = 0\n[dedup]\nttl_secs = 60\ncapacity = 10000\n[storage]\ndatabase = "sqlite::memory:"\n'
for name, mode in [('demo', 'plain'), ('compat', 'compatible'), ('safe', 'safe')]:
    three += f'\n[[accounts]]\nname = "{name}"\nappid = "wx1234567890abcdef"\ntoken = "callback-token"\nencoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"\nmode = "{mode}"\n{fuzz_rules}'
w('config_parse', 'three-accounts', three)
w('config_parse', 'api-and-forward', '''[server]
upstream_timeout_ms = 5000
[admin]
token = "test-admin-token"
[[accounts]]
name = "bot"
appid = "wx1234567890abcdef"
token = "callback-token"
secret = "app-secret-bot"
api_base = "http://127.0.0.1:9/"
token_source = "client_credential"
  [[accounts.rules]]
  keyword = "local"
  reply = { image = { media_id = "m" } }
  [[accounts.rules]]
  keyword = ["a", "b"]
  reply = { music = { title = "t", thumb_media_id = "x" } }
  [[accounts.rules]]
  forward = "http://127.0.0.1:9000/wechat"
''')
w('config_parse', 'problems', '[server]\nlisten = "nowhere"\nmax_body_bytes = -1\ncolour = 1\n[[accounts]]\nname = "a b"\nappid = 7\nmode = "safe"\n  [[accounts.rules]]\n  regex = "("\n  reply = { text = "x", video = {} }\n')

# callback_request: '!' + flags + body replays a push (see the target); the rest are free-form.
for p in xml_fixtures[::2]:
    w('callback_request', 'plain-' + base(p), b'!\x00' + rd(p))
for p in xml_fixtures[1::4]:
    w('callback_request', 'safe-' + base(p), b'!\x06' + rd(p))
    w('callback_request', 'compat-' + base(p), b'!\x05' + rd(p))
for p in json_fixtures[:2]:
    w('callback_request', 'json-' + base(p), b'!\x08' + rd(p))
    w('callback_request', 'json-safe-' + base(p), b'!\x0e' + rd(p))
w('callback_request', 'handshake', b'!\x10')
w('callback_request', 'hello', b'!\x00' + '<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>echo ]]>\r\n中文</Content><MsgId>7</MsgId></xml>'.encode())
w('callback_request', 'too-large', b'!\x00' + b'<xml>' + b' ' * 2100 + b'</xml>')
