//! Publishing and content checks: PUBLISHJOBFINISH, wxa_media_check, secvod_*.
//!
//! Field names follow WeChat's exactly (`publish_id`, `trace_id`, `upload_event`): these families
//! use snake_case, unlike the classic PascalCase events.

// Until these payloads are wired into `Event`, only the tests construct them; remove this
// allowance with the wiring.

use super::super::error::MessageError;
use super::super::read::Reader;

/// `PUBLISHJOBFINISH`: the result of a free-publish job (`freepublish/submit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishJobFinishEvent {
    /// `PublishEventInfo`: the job's result.
    pub publish_event_info: PublishEventInfo,
}

/// `PublishEventInfo`: the result of one publish job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishEventInfo {
    /// `publish_id`: the job id returned by `freepublish/submit`.
    pub publish_id: u64,
    /// `publish_status`: `0` published, `1` publishing, `2` original-content check failed,
    /// `3` general failure, `4` platform audit failed, `5` deleted after publishing,
    /// `6` banned after publishing.
    pub publish_status: u32,
    /// `article_id`: the published article's id, only when `publish_status` is `0`.
    pub article_id: Option<String>,
    /// `article_detail`: the published articles, only when `publish_status` is `0`.
    pub article_detail: Option<PublishArticleDetail>,
    /// `fail_idx`: the index of the first article that failed, when `publish_status` is `2` or
    /// `4`. WeChat repeats `<fail_idx>` once per failed article; the later ones stay in the
    /// message's `raw` fields.
    pub fail_idx: Option<u32>,
}

/// `article_detail`: the articles of a finished publish job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishArticleDetail {
    /// `count`: the number of articles, as WeChat reports it.
    pub count: u32,
    /// `item`: one entry per article, in order.
    pub items: Vec<PublishArticleItem>,
}

/// `article_detail/item`: one published article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishArticleItem {
    /// `idx`: the article's position in the job, from `1`.
    pub idx: u32,
    /// `article_url`: the article's permanent link.
    pub article_url: String,
}

/// `wxa_media_check`: the result of an asynchronous media security check
/// (`security.mediaCheckAsync`). Both payload versions share this type: version 2 carries
/// `version`, `result` and `detail`; version 1 carries `isrisky`, `extra_info_json` and
/// `status_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCheckEvent {
    /// `appid`: the mini program or account that asked for the check.
    pub appid: Option<String>,
    /// `trace_id`: the id returned when the check was requested.
    pub trace_id: String,
    /// `version`: `2` for the version-2 payload; absent in version 1.
    pub version: Option<u32>,
    /// `errcode`: `0` when the check ran (version 2).
    pub errcode: Option<i64>,
    /// `errmsg`: the error's description, `ok` on success (version 2).
    pub errmsg: Option<String>,
    /// `result`: the overall verdict (version 2).
    pub result: Option<MediaCheckResult>,
    /// `detail`: one verdict per check strategy (version 2; version 1 pushes send it empty).
    pub detail: Vec<MediaCheckDetail>,
    /// `isrisky`: whether the media is risky (version 1; sent as `0`/`1`).
    pub isrisky: Option<bool>,
    /// `extra_info_json`: extra information, usually empty (version 1).
    pub extra_info_json: Option<String>,
    /// `status_code`: `0` when the media was checked; otherwise an error code, which WeChat sends
    /// as an unsigned 32-bit value (`4294966288` is `-1008`, "cannot download") (version 1).
    pub status_code: Option<i64>,
}

/// `result`: the overall verdict of a media check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCheckResult {
    /// `suggest`: `pass`, `review` or `risky`.
    pub suggest: String,
    /// `label`: the category of the verdict, `100` for normal content.
    pub label: u32,
}

/// `detail`: one strategy's verdict in a media check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCheckDetail {
    /// `strategy`: the strategy, e.g. `content_model` or `keyword`.
    pub strategy: String,
    /// `errcode`: `0` when the strategy ran.
    pub errcode: i64,
    /// `suggest`: `pass`, `review` or `risky`.
    pub suggest: Option<String>,
    /// `label`: the category of the verdict, `100` for normal content.
    pub label: Option<u32>,
    /// `prob`: the confidence, `0` to `100`.
    pub prob: Option<u32>,
}

/// `secvod_upload_event`: a mini-drama media upload finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVodUploadEvent {
    /// `upload_event`: the upload's result.
    pub upload_event: SecVodUpload,
}

/// `upload_event`: the result of one mini-drama media upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVodUpload {
    /// `media_id`: the uploaded media's id.
    pub media_id: u64,
    /// `source_context`: the context string given when the upload was started.
    pub source_context: Option<String>,
    /// `errcode`: `0` on success; anything else means the upload failed.
    pub errcode: i64,
    /// `errmsg`: the error's description.
    pub errmsg: Option<String>,
}

/// `secvod_audit_event`: a mini-drama review changed status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVodAuditEvent {
    /// `audit_event`: the review.
    pub audit_event: SecVodAudit,
}

/// `audit_event`: one mini-drama review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVodAudit {
    /// `drama_id`: the drama reviewed.
    pub drama_id: u64,
    /// `audit_detail`: the review's status.
    pub audit_detail: SecVodAuditDetail,
    /// `source_context`: the context string given when the drama was submitted.
    pub source_context: Option<String>,
}

/// `audit_detail`: the status of a mini-drama review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVodAuditDetail {
    /// `status`: `0` invalid, `1` under review, `2` rejected for good, `3` passed,
    /// `4` rejected, to be resubmitted.
    pub status: u32,
    /// `audit_type`: `0` first submission, `1` resubmission, `2` episodes replaced,
    /// `3` information edited.
    pub audit_type: Option<u32>,
    /// `create_time`: when the review was submitted (unix seconds).
    pub create_time: u64,
    /// `audit_time`: when the review was decided (unix seconds).
    pub audit_time: u64,
}

impl PublishJobFinishEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let info = r.node("PublishEventInfo", "PublishEventInfo")?;
        let article_detail = if info.has("article_detail") {
            let detail = info.node("article_detail", "PublishEventInfo.article_detail")?;
            let mut items = Vec::new();
            for item in detail.nodes("item", "PublishEventInfo.article_detail.item") {
                let item = item?;
                items.push(PublishArticleItem {
                    idx: item.unsigned("idx")?,
                    article_url: item.string("article_url")?,
                });
            }
            Some(PublishArticleDetail {
                count: detail.unsigned("count")?,
                items,
            })
        } else {
            None
        };
        Ok(PublishJobFinishEvent {
            publish_event_info: PublishEventInfo {
                publish_id: info.unsigned("publish_id")?,
                publish_status: info.unsigned("publish_status")?,
                article_id: info.opt_string("article_id")?,
                article_detail,
                fail_idx: info.opt_unsigned("fail_idx")?,
            },
        })
    }
}

impl MediaCheckEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let result = if r.has("result") {
            let result = r.node("result", "result")?;
            Some(MediaCheckResult {
                suggest: result.string("suggest")?,
                label: result.unsigned("label")?,
            })
        } else {
            None
        };
        let mut detail = Vec::new();
        for item in r.nodes("detail", "detail") {
            let item = item?;
            // `"detail": []` in JSON and `<detail></detail>` in XML carry nothing.
            if item.is_empty() {
                continue;
            }
            detail.push(MediaCheckDetail {
                strategy: item.string("strategy")?,
                errcode: item.signed("errcode")?,
                suggest: item.opt_string("suggest")?,
                label: item.opt_unsigned("label")?,
                prob: item.opt_unsigned("prob")?,
            });
        }
        let isrisky = match r.opt_str("isrisky")?.map(str::trim_ascii) {
            None | Some("") => None,
            Some("0" | "false") => Some(false),
            Some("1" | "true") => Some(true),
            Some(other) => {
                return Err(MessageError::not_a_number("isrisky".to_owned(), other));
            }
        };
        Ok(MediaCheckEvent {
            appid: r.opt_string("appid")?,
            trace_id: r.string("trace_id")?,
            version: r.opt_unsigned("version")?,
            errcode: r.opt_signed("errcode")?,
            errmsg: r.opt_string("errmsg")?,
            result,
            detail,
            isrisky,
            extra_info_json: r.opt_string("extra_info_json")?,
            status_code: r.opt_signed("status_code")?,
        })
    }
}

impl SecVodUploadEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let upload = r.node("upload_event", "upload_event")?;
        Ok(SecVodUploadEvent {
            upload_event: SecVodUpload {
                media_id: upload.unsigned("media_id")?,
                source_context: upload.opt_string("source_context")?,
                errcode: upload.signed("errcode")?,
                errmsg: upload.opt_string("errmsg")?,
            },
        })
    }
}

impl SecVodAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let audit = r.node("audit_event", "audit_event")?;
        let detail = audit.node("audit_detail", "audit_event.audit_detail")?;
        Ok(SecVodAuditEvent {
            audit_event: SecVodAudit {
                drama_id: audit.unsigned("drama_id")?,
                audit_detail: SecVodAuditDetail {
                    status: detail.unsigned("status")?,
                    audit_type: detail.opt_unsigned("audit_type")?,
                    create_time: detail.unsigned("create_time")?,
                    audit_time: detail.unsigned("audit_time")?,
                },
                source_context: audit.opt_string("source_context")?,
            },
        })
    }
}

#[cfg(test)]
#[path = "content_test.rs"]
mod tests;
