//! Verification, audit and authorization events of official accounts and mini programs.
//!
//! Official-account verification events use PascalCase fields (`ExpiredTime`, `FailReason`);
//! mini-program audit events mostly use snake_case (`ret`, `appeal_record_id`, `result_info`);
//! the authorized-user notices spell ids in capitals (`OpenID`, `AppID`).

// Until these payloads are wired into `Event`, only the tests construct them; remove this
// allowance with the wiring.
use std::str::FromStr;

use super::super::error::MessageError;
use super::super::read::Reader;

/// `qualification_verify_success`, `naming_verify_success`, `annual_renew` and `verify_expired`:
/// an official account's WeChat verification passed, must be renewed, or expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyExpiryEvent {
    /// `ExpiredTime` (unix seconds): when the verification expires (`*_verify_success`), must be
    /// renewed by (`annual_renew`), or expired (`verify_expired`).
    pub expired_time: u64,
}

/// `qualification_verify_fail` and `naming_verify_fail`: an official account's qualification or
/// naming verification failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailEvent {
    /// `FailTime` (unix seconds): when the verification failed.
    pub fail_time: u64,
    /// `FailReason`: why it failed.
    pub fail_reason: String,
    /// `RefillTime` (unix seconds): when WeChat asked for the information to be filled in again.
    pub refill_time: Option<u64>,
    /// `RefillReason`: why the information must be filled in again.
    pub refill_reason: Option<String>,
}

/// `weapp_audit_success`: a mini program's code passed review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeappAuditSuccessEvent {
    /// `SuccTime` (unix seconds): when the review passed.
    pub succ_time: u64,
}

/// `weapp_audit_fail`: a mini program's code failed review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeappAuditFailEvent {
    /// `Reason`: why the review failed; may hold `<br>` line breaks.
    pub reason: String,
    /// `FailTime` (unix seconds): when the review failed.
    pub fail_time: u64,
    /// `ScreenShot`: the media ids of the reviewer's screenshots, separated by `|`.
    pub screen_shot: Option<String>,
}

impl WeappAuditFailEvent {
    /// The media ids of the reviewer's screenshots (`ScreenShot` split on `|`), empty when none.
    pub fn screenshots(&self) -> impl Iterator<Item = &str> {
        self.screen_shot
            .as_deref()
            .unwrap_or_default()
            .split('|')
            .filter(|id| !id.is_empty())
    }
}

/// `weapp_audit_delay`: a mini program's code review is delayed; a success or failure follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeappAuditDelayEvent {
    /// `Reason`: why the review is delayed.
    pub reason: String,
    /// `DelayTime` (unix seconds): when the delay was decided.
    pub delay_time: u64,
}

/// `wxa_nickname_audit`: the review of a mini program's name change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicknameAuditEvent {
    /// `ret`: `2` rejected, `3` passed.
    pub ret: u32,
    /// `nickname`: the name reviewed.
    pub nickname: String,
    /// `reason`: why it was rejected.
    pub reason: Option<String>,
}

/// `wxa_illegal_record`: a violation was recorded against a mini program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalRecordEvent {
    /// `illegal_record_id`: the violation record's id, e.g. `2_11100`.
    pub illegal_record_id: String,
    /// `appid`: the mini program.
    pub appid: String,
    /// `create_time` (unix seconds): when the violation was recorded.
    pub create_time: u64,
    /// `illegal_reason`: the violation.
    pub illegal_reason: String,
    /// `illegal_content`: the offending content.
    pub illegal_content: Option<String>,
    /// `rule_url`: a link to the rule violated.
    pub rule_url: Option<String>,
    /// `rule_name`: the rule violated.
    pub rule_name: Option<String>,
}

/// `wxa_appeal_record`: an appeal against a violation record changed status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealRecordEvent {
    /// `appeal_record_id`: the appeal's id.
    pub appeal_record_id: u64,
    /// `appid`: the mini program.
    pub appid: String,
    /// `appeal_time` (unix seconds): when the appeal was filed.
    pub appeal_time: u64,
    /// `appeal_count`: how many times this record was appealed.
    pub appeal_count: u32,
    /// `appeal_from`: `0` the mini program itself, `1` its service provider.
    pub appeal_from: u32,
    /// `appeal_status`: `1` being processed, `2` passed, `3` rejected, `4` withdrawn.
    pub appeal_status: u32,
    /// `audit_time` (unix seconds): when the appeal was decided; absent while it is processed or
    /// after it was withdrawn.
    pub audit_time: Option<u64>,
    /// `audit_reason`: the decision's reason.
    pub audit_reason: Option<String>,
    /// `punish_description`: the penalty appealed against.
    pub punish_description: String,
    /// `material`: the contested content and the appeal's evidence, one entry per item.
    pub materials: Vec<AppealMaterial>,
}

/// `material`: one item of an appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealMaterial {
    /// `illegal_material`: the contested content.
    pub illegal_material: Option<IllegalMaterial>,
    /// `appeal_material`: the appeal's evidence.
    pub appeal_material: Option<AppealEvidence>,
}

/// `illegal_material`: content found to violate the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalMaterial {
    /// `content`: the content.
    pub content: Option<String>,
    /// `content_url`: a link to the content.
    pub content_url: Option<String>,
}

/// `appeal_material`: the evidence given with an appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealEvidence {
    /// `reason`: the appeal's argument.
    pub reason: Option<String>,
    /// `proof_material_id`: the media id of the evidence.
    pub proof_material_id: Option<String>,
}

/// `wxa_privacy_apply`: the review of an application for a privacy API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyApplyEvent {
    /// `result_info`: the review's result.
    pub result_info: PrivacyApplyResult,
}

/// `result_info`: the result of a privacy-API application review. WeChat's own XML sample wraps
/// every value in double quotes (`<status>"2"</status>`) and real JSON pushes send numbers as
/// strings; both read as plain values here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyApplyResult {
    /// `api_name`: the API applied for, e.g. `wx.choosePoi`.
    pub api_name: String,
    /// `apply_time` (unix seconds): when the application was filed.
    pub apply_time: u64,
    /// `audit_id`: the application's review id.
    pub audit_id: u64,
    /// `audit_time` (unix seconds): when the review was decided.
    pub audit_time: u64,
    /// `reason`: why it was rejected; JSON pushes send `{}` (read as empty) when there is none.
    pub reason: Option<String>,
    /// `status`: `2` rejected, `3` passed.
    pub status: u32,
}

/// `wxa_category_audit`: the review of a category added to a mini program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryAuditEvent {
    /// `ret`: `2` rejected, `3` passed.
    pub ret: u32,
    /// `first`: the first-level category's id.
    pub first: String,
    /// `second`: the second-level category's id.
    pub second: String,
    /// `reason`: why it was rejected.
    pub reason: Option<String>,
}

/// `wx_verify_pay_succ`: a mini program's WeChat-verification fee was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxVerifyPaySuccEvent {
    /// `OrderId`: the verification order.
    pub order_id: String,
}

/// `wx_verify_dispatch`: a verification order was dispatched to an auditing agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxVerifyDispatchEvent {
    /// `Provider`: the auditing agency.
    pub provider: String,
    /// `Contact`: how to reach the agency.
    pub contact: String,
    /// `DispatchTime` (unix seconds): when the order was dispatched.
    pub dispatch_time: u64,
}

/// `user_info_modified`, `user_authorization_revoke` and `user_authorization_cancellation`:
/// an authorized user changed their information, revoked an authorization, or closed their
/// account. The user is `OpenID`; the push's `FromUserName` is a system account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedUserEvent {
    /// `OpenID`: the user concerned.
    pub open_id: String,
    /// `AppID`: the mini program or account.
    pub app_id: String,
    /// `RevokeInfo`: the authorizations revoked, as WeChat's codes (`user_authorization_revoke`).
    pub revoke_info: Option<String>,
    /// `PluginID`: the plugin concerned, for plugin authorizations.
    pub plugin_id: Option<String>,
    /// `OpenPID`: the user's id within the plugin.
    pub open_pid: Option<String>,
}

/// A value of `result_info` without the double quotes WeChat's XML sample puts around it.
fn unquoted<'a>(r: &Reader<'a>, name: &str) -> Result<Option<&'a str>, MessageError> {
    Ok(r.opt_str(name)?.map(|text| {
        let text = text.trim_ascii();
        text.strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(text)
    }))
}

/// A required number of `result_info`, quoted or not.
fn unquoted_number<T: FromStr>(r: &Reader<'_>, name: &'static str) -> Result<T, MessageError> {
    let path = || format!("result_info.{name}");
    let text = unquoted(r, name)?.ok_or_else(|| MessageError::MissingField { field: path() })?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MessageError::not_a_number(path(), text));
    }
    text.parse()
        .map_err(|_| MessageError::not_a_number(path(), text))
}

impl VerifyExpiryEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(VerifyExpiryEvent {
            expired_time: r.unsigned("ExpiredTime")?,
        })
    }
}

impl VerifyFailEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(VerifyFailEvent {
            fail_time: r.unsigned("FailTime")?,
            fail_reason: r.string("FailReason")?,
            refill_time: r.opt_unsigned("RefillTime")?,
            refill_reason: r.opt_string("RefillReason")?,
        })
    }
}

impl WeappAuditSuccessEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WeappAuditSuccessEvent {
            succ_time: r.unsigned("SuccTime")?,
        })
    }
}

impl WeappAuditFailEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WeappAuditFailEvent {
            reason: r.string("Reason")?,
            fail_time: r.unsigned("FailTime")?,
            screen_shot: r.opt_string("ScreenShot")?,
        })
    }
}

impl WeappAuditDelayEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WeappAuditDelayEvent {
            reason: r.string("Reason")?,
            delay_time: r.unsigned("DelayTime")?,
        })
    }
}

impl NicknameAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(NicknameAuditEvent {
            ret: r.unsigned("ret")?,
            nickname: r.string("nickname")?,
            reason: r.opt_string("reason")?,
        })
    }
}

impl IllegalRecordEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(IllegalRecordEvent {
            illegal_record_id: r.string("illegal_record_id")?,
            appid: r.string("appid")?,
            create_time: r.unsigned("create_time")?,
            illegal_reason: r.string("illegal_reason")?,
            illegal_content: r.opt_string("illegal_content")?,
            rule_url: r.opt_string("rule_url")?,
            rule_name: r.opt_string("rule_name")?,
        })
    }
}

impl AppealRecordEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let mut materials = Vec::new();
        for material in r.nodes("material", "material") {
            let material = material?;
            if material.is_empty() {
                continue;
            }
            let illegal_material = if material.has("illegal_material") {
                let m = material.node("illegal_material", "material.illegal_material")?;
                Some(IllegalMaterial {
                    content: m.opt_string("content")?,
                    content_url: m.opt_string("content_url")?,
                })
            } else {
                None
            };
            let appeal_material = if material.has("appeal_material") {
                let m = material.node("appeal_material", "material.appeal_material")?;
                Some(AppealEvidence {
                    reason: m.opt_string("reason")?,
                    proof_material_id: m.opt_string("proof_material_id")?,
                })
            } else {
                None
            };
            materials.push(AppealMaterial {
                illegal_material,
                appeal_material,
            });
        }
        Ok(AppealRecordEvent {
            appeal_record_id: r.unsigned("appeal_record_id")?,
            appid: r.string("appid")?,
            appeal_time: r.unsigned("appeal_time")?,
            appeal_count: r.unsigned("appeal_count")?,
            appeal_from: r.unsigned("appeal_from")?,
            appeal_status: r.unsigned("appeal_status")?,
            audit_time: r.opt_unsigned("audit_time")?,
            audit_reason: r.opt_string("audit_reason")?,
            punish_description: r.string("punish_description")?,
            materials,
        })
    }
}

impl PrivacyApplyEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let info = r.node("result_info", "result_info")?;
        Ok(PrivacyApplyEvent {
            result_info: PrivacyApplyResult {
                api_name: unquoted(&info, "api_name")?
                    .map(str::to_owned)
                    .ok_or_else(|| MessageError::MissingField {
                        field: "result_info.api_name".to_owned(),
                    })?,
                apply_time: unquoted_number(&info, "apply_time")?,
                audit_id: unquoted_number(&info, "audit_id")?,
                audit_time: unquoted_number(&info, "audit_time")?,
                reason: unquoted(&info, "reason")?.map(str::to_owned),
                status: unquoted_number(&info, "status")?,
            },
        })
    }
}

impl CategoryAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CategoryAuditEvent {
            ret: r.unsigned("ret")?,
            first: r.string("first")?,
            second: r.string("second")?,
            reason: r.opt_string("reason")?,
        })
    }
}

impl WxVerifyPaySuccEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WxVerifyPaySuccEvent {
            order_id: r.string("OrderId")?,
        })
    }
}

impl WxVerifyDispatchEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WxVerifyDispatchEvent {
            provider: r.string("Provider")?,
            contact: r.string("Contact")?,
            dispatch_time: r.unsigned("DispatchTime")?,
        })
    }
}

impl AuthorizedUserEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(AuthorizedUserEvent {
            open_id: r.string("OpenID")?,
            app_id: r.string("AppID")?,
            revoke_info: r.opt_string("RevokeInfo")?,
            plugin_id: r.opt_string("PluginID")?,
            open_pid: r.opt_string("OpenPID")?,
        })
    }
}

#[cfg(test)]
#[path = "audit_test.rs"]
mod tests;
