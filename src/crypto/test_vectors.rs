//! Public WXBizMsgCrypt vectors, each checked independently (signature recomputed,
//! ciphertext decrypted, appid compared).

/// V1: official account, safe mode, Tencent's sample key (non-canonical: ends in 'G').
/// Source: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
/// The plaintext frame carries 21 bytes of padding.
pub mod v1 {
    pub const TOKEN: &str = "pamtest";
    pub const ENCODING_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    /// `base64_decode(ENCODING_AES_KEY + "=")`, computed with a lenient decoder.
    pub const AES_KEY_HEX: &str =
        "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051";
    pub const APPID: &str = "wxb11529c136998cb6";
    pub const TIMESTAMP: &str = "1458300676";
    pub const NONCE: &str = "260774613";
    pub const MSG_SIGNATURE: &str = "4f3ad57b6989f09f4eb392acce4f9e93942ed890";
    pub const ENCRYPT: &str = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==";
    pub const PLAINTEXT: &str = "<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL><ToUserName><![CDATA[asdasdasd]]></ToUserName><FromUserName><![CDATA[asdasdasdsadasd]]></FromUserName><CreateTime>1234567898</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>12345</MsgId></xml>";
    pub const PADDING: u8 = 21;
}

/// V2: compatible mode, a real capture with Chinese text.
/// Source: JeffreySu/WeiXinMPSDK
/// src/Senparc.Weixin.MP/Senparc.Weixin.MP.Test/MessageHandlers/MessageHandlersTest.cs
/// (CompatibilityModelEncryptMessageRequestTest). The plaintext frame carries 3 bytes of padding.
pub mod v2 {
    pub const TOKEN: &str = "weixin";
    pub const ENCODING_AES_KEY: &str = "mNnY5GekpChwqhy2c4NBH90g3hND6GeI4gii2YCvKLY";
    /// `base64_decode(ENCODING_AES_KEY + "=")`, computed with a lenient decoder.
    pub const AES_KEY_HEX: &str =
        "98d9d8e467a4a42870aa1cb67383411fdd20de1343e86788e208a2d980af28b6";
    pub const APPID: &str = "wx669ef95216eef885";
    pub const TIMESTAMP: &str = "1414387151";
    pub const NONCE: &str = "917222494";
    pub const MSG_SIGNATURE: &str = "ae70d4e343d946fc0477a5c760b95be0947fddbb";
    pub const SIGNATURE: &str = "e3203b6433eb554dd2fcba78fa48cb948fcb4801";
    pub const ENCRYPT: &str = "2gUBUpAeuPFKBS+gkcvrR1cBq1VjTOQluB7+FQF00VnybRpYR3xko4S4wh0qD+64cWmJfF93ZNLm+HLZBexjHLAdJBs5RBG2rP1AJnU0/1vQU/Ac9Q1Nq7vfC4l3ciF8YwhQW0o/GE4MYWWakgdwnp0hQ7aVVwqMLd67A5bsURQHJiFY/cH0fVlsKe6J3aazGhRXFCxceOq2VTJ2Eulc8aBDVSM5/lAIUA/JPq5Z2RzomM0+aoa5XIfGyAtAdlBXD0ADTemxgfYAKI5EMfKtH5za3dKV2UWbGAlJQZ0fwrwPx6Rs8MsoEtyxeQ52gO94gafA+/kIVjamKTVLSgudLLz5rAdGneKkBVhXyfyfousm1DoDRjQdAdqMWpwbeG5hanoJyJiH+humW/1q8PAAiaEfA+BOuvBk/a5xL0Q2l2k=";
    pub const PLAINTEXT: &str = "<xml><ToUserName><![CDATA[gh_a96a4a619366]]></ToUserName>\n<FromUserName><![CDATA[olPjZjsXuQPJoV0HlruZkNzKc91E]]></FromUserName>\n<CreateTime>1414387151</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[你好]]></Content>\n<MsgId>6074746557628292943</MsgId>\n</xml>";
    pub const PADDING: u8 = 3;
}

/// V3: deterministic encryption with a fixed random prefix, V1's key and appid.
/// Source: Wechat-Group/WxJava weixin-java-common/src/test/.../WxCryptUtilTest.java.
pub mod v3 {
    pub const ENCODING_AES_KEY: &str = super::v1::ENCODING_AES_KEY;
    pub const APPID: &str = "wxb11529c136998cb6";
    pub const RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";
    pub const MESSAGE: &str = "我是中文abcd123";
    pub const ENCRYPT: &str =
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
}
