//! Canned API objects, written by hand after Infomaniak's documentation. They are not trusted:
//! every answer built from them goes through `Contract::reply`/`ok`, which validates it against the
//! operation's response schema in the OpenAPI document.

use serde_json::{Value, json};

pub const CREATED: i64 = 1_706_531_189;

pub fn domain() -> Value {
    json!({
        "id": 4321, "name": "news.example.com", "credit_month": 2000, "sender_type": "domain",
        "status": "enabled", "can_use_other_domains": false, "limit_by_hour": 500,
        "dns": null, "sub_domains": [], "statistics": {}, "can_use_new_mail_builder": true
    })
}

pub fn campaign(id: i64) -> Value {
    json!({
        "id": id, "status": "draft", "sending_batch": null, "lang": "en_GB", "subject": "Spring news",
        "preheader": "What changed", "email_from_name": "Ann", "email_from_addr": "ann@example.com",
        "tracking_link": true, "tracking_opening": true, "tracking_utm": [], "next_step": "content",
        "started_at": 0, "created_at": CREATED, "subscribers_count": 120,
        "statistics": {
            "sent_count": 120, "open_count": 60, "click_count": 12, "delivery_count": 118,
            "complaint_count": 0, "bounce_count": 2, "soft_bounce_count": 1, "unsubscribe_count": 3,
            "open_rate": 50.0, "click_rate": 10.0, "delivery_rate": 98.3, "complaint_rate": 0.0,
            "bounce_rate": 1.7, "soft_bounce_rate": 0.8, "unsubscribe_rate": 2.5
        }
    })
}

pub fn subscriber(id: i64, email: &str) -> Value {
    json!({
        "id": id, "email": email, "status": "active", "created_at": CREATED, "source": "api",
        "groups": [group(7, "Customers")]
    })
}

pub fn group(id: i64, name: &str) -> Value {
    json!({"id": id, "name": name, "updated_at": CREATED})
}

pub fn credit(id: i64) -> Value {
    json!({"id": id, "created_at": CREATED, "genre": "monthly", "quantity": 2000, "type": "credit"})
}

pub fn segment(id: i64) -> Value {
    json!({"id": id, "name": "Openers", "subscribed_count": 42, "updated_at": CREATED})
}

pub fn field(id: i64) -> Value {
    json!({"id": id, "key": "firstname", "name": "First name"})
}

pub fn template(id: i64) -> Value {
    json!({"id": id, "domain_id": 4321, "name": "Monthly", "thumbnail": "https://example.com/t.png", "content": {}})
}

pub fn webform(id: i64) -> Value {
    json!({
        "id": id, "name": "Sign up", "button": "Subscribe", "confirmation_url": null, "design": "classic",
        "email_from_addr": "ann@example.com", "email_from_name": "Ann", "email_title": "Confirm",
        "msg_ok": "Thanks", "msg_ok_redir": "", "notify": "none", "notify_address": "", "notify_lang": "en",
        "placeholder": "you@example.com", "rgpd": "yes", "rgpd_msg": "We keep your data safe",
        "subtitle": "Monthly news", "template_confirmation_id": 1, "template_email_id": 2,
        "template_validation_id": 3, "title": "Join", "validation_url": null,
        "created_at": CREATED, "updated_at": CREATED
    })
}

/// An asynchronous task as `GET /1/async/tasks/{uuid}` answers it (Infomaniak's core API).
pub fn task(uuid: &str, status: &str) -> Value {
    json!({
        "result": "success",
        "data": {
            "uuid": uuid, "status": status, "created_at": CREATED, "updated_at": CREATED,
            "executed_at": CREATED, "finished_at": CREATED, "response": {}
        }
    })
}

pub const TASK: &str = "5cb09b3c-d03a-11eb-b8bc-0242ac130003";
