//! Heat on the local OpenStack: stacks from a string, a file and a URL, with parameters, an
//! environment, a timeout and rollback; update and preview, suspend and resume, outputs,
//! resources, events, template validation; the test user's password session (Heat needs one).

mod common;

use cloud_core::ErrorKind;
use cloud_infomaniak_openstack::{CreateStack, HeatClient, InfomaniakCloud, InfomaniakConfig, Template};
use futures::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TEMPLATE: &str = "heat_template_version: 2021-04-16
description: two random strings
parameters:
  length:
    type: number
    default: 8
    constraints:
      - range: {min: 4, max: 64}
resources:
  token:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  marker:
    type: OS::Heat::None
outputs:
  token:
    description: the random string
    value: {get_attr: [token, value]}
  length:
    value: {get_param: length}
";

async fn heat() -> HeatClient {
    common::require_service("orchestration");
    let config =
        InfomaniakConfig::from_clouds_yaml("cloud-test-password", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
            .unwrap_or_else(|e| panic!("{e}: {}", common::HOW));
    InfomaniakCloud::connect(config).await.unwrap_or_else(|e| panic!("{e}: {}", common::HOW)).heat()
}

fn stack_name() -> String {
    common::name("stack")
}

#[tokio::test]
async fn a_stack_from_a_string_through_its_whole_life() {
    let heat = heat().await;
    let name = stack_name();
    let stack =
        heat.create_stack(&CreateStack::new(&name, TEMPLATE).parameter("length", "12").timeout_mins(5)).await.unwrap();
    assert_eq!((stack.stack_name.as_str(), stack.stack_status.as_str()), (name.as_str(), "CREATE_COMPLETE"));
    assert_eq!(stack.timeout_mins, Some(5));
    assert_eq!(stack.disable_rollback, Some(false), "rollback stays on unless disabled");

    // get by name and by id; outputs.
    let by_id = heat.get_stack(&stack.id).await.unwrap();
    assert_eq!(by_id.stack_name, name);
    assert_eq!(by_id.description.as_deref(), Some("two random strings"));
    assert_eq!(by_id.parameters["length"], "12");
    let outputs = heat.get_stack_outputs(&name).await.unwrap();
    assert_eq!(outputs["token"].as_str().map(str::len), Some(12));
    assert_eq!(outputs["length"], 12);
    let listed: Vec<_> = heat.list_stacks().try_collect().await.unwrap();
    assert!(listed.iter().any(|s| s.id == stack.id));

    // resources (with attributes), events (of the stack and of one resource), template.
    let resources = heat.list_stack_resources(&name).await.unwrap();
    let mut kinds: Vec<_> = resources.iter().map(|r| (r.resource_name.as_str(), r.resource_type.as_str())).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, [("marker", "OS::Heat::None"), ("token", "OS::Heat::RandomString")]);
    let token = heat.get_stack_resource(&name, "token").await.unwrap();
    assert_eq!(token.resource_status, "CREATE_COMPLETE");
    assert_eq!(token.attributes["value"], outputs["token"]);
    let events = heat.list_stack_events(&name, None).await.unwrap();
    assert!(events.iter().any(|e| e.resource_name == "token" && e.resource_status == "CREATE_COMPLETE"));
    assert!(events.iter().any(|e| e.resource_name == name && e.resource_status == "CREATE_COMPLETE"));
    let token_events = heat.list_stack_events(&name, Some("token")).await.unwrap();
    assert!(!token_events.is_empty() && token_events.iter().all(|e| e.resource_name == "token"));
    let template = heat.get_stack_template(&name).await.unwrap();
    assert_eq!(template["description"], "two random strings");

    // preview then update: a new length replaces the random string.
    let change = CreateStack::new(&name, TEMPLATE).parameter("length", "20");
    let preview = heat.preview_update_stack(&name, &change).await.unwrap();
    assert!(
        preview.replaced.contains(&"token".to_owned()) || preview.updated.contains(&"token".to_owned()),
        "{preview:?}"
    );
    assert!(preview.unchanged.contains(&"marker".to_owned()), "{preview:?}");
    let updated = heat.update_stack(&name, &change).await.unwrap();
    assert_eq!(updated.stack_status, "UPDATE_COMPLETE");
    assert_eq!(heat.get_stack_outputs(&name).await.unwrap()["token"].as_str().map(str::len), Some(20));

    let suspended = heat.suspend_stack(&name).await.unwrap();
    assert_eq!(suspended.stack_status, "SUSPEND_COMPLETE");
    let resumed = heat.resume_stack(&stack.id).await.unwrap();
    assert_eq!(resumed.stack_status, "RESUME_COMPLETE");

    heat.delete_stack(&name).await.unwrap();
    let gone = heat.get_stack(&stack.id).await;
    match gone {
        Err(e) => assert_eq!(e.kind(), ErrorKind::NotFound, "{e}"),
        Ok(s) => assert_eq!(s.stack_status, "DELETE_COMPLETE"),
    }
    assert_eq!(heat.get_stack(&name).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(heat.delete_stack(&name).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// Serves `body` to every request on a loopback port (Heat fetches `template_url` from there).
async fn serve(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/template.yaml")
}

#[tokio::test]
async fn stacks_from_a_file_and_a_url_with_an_environment() {
    let heat = heat().await;
    let dir = std::env::temp_dir().join(common::name("heat"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stack.yaml");
    std::fs::write(&path, TEMPLATE).unwrap();

    let from_file = stack_name();
    let template = Template::from_file(&path).await.unwrap();
    let request = CreateStack::with_template(&from_file, template).environment("parameters:\n  length: 6\n");
    heat.create_stack(&request).await.unwrap();
    assert_eq!(heat.get_stack_outputs(&from_file).await.unwrap()["length"], 6, "the environment's parameter");

    let from_url = stack_name();
    let url = serve(TEMPLATE).await;
    let request = CreateStack::with_template(&from_url, Template::Url(url.clone())).disable_rollback(true);
    let stack = heat.create_stack(&request).await.unwrap();
    assert_eq!(stack.disable_rollback, Some(true));
    assert_eq!(heat.get_stack_outputs(&from_url).await.unwrap()["length"], 8, "the template's default");
    let validated = heat.validate_template(&Template::Url(url), None).await.unwrap();
    assert_eq!(validated.description, "two random strings");

    let missing = Template::from_file(dir.join("missing.yaml")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidInput);
    heat.delete_stack(&from_file).await.unwrap();
    heat.delete_stack(&from_url).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn templates_are_validated_and_heats_message_is_kept() {
    let heat = heat().await;
    let ok = heat.validate_template(&Template::Body(TEMPLATE.into()), None).await.unwrap();
    assert_eq!(ok.description, "two random strings");
    assert_eq!(ok.parameters["length"]["Default"], 8);

    // An unknown resource type: InvalidInput with Heat's own words.
    let broken = TEMPLATE.replace("OS::Heat::None", "OS::Nope::Missing");
    let err = heat.validate_template(&Template::Body(broken.clone()), None).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::InvalidInput, Some(400)), "{err}");
    assert!(err.message().contains("OS::Nope::Missing"), "{err}");
    // The same template refused at creation.
    let err = heat.create_stack(&CreateStack::new(&stack_name(), &broken)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("OS::Nope::Missing"), "{err}");
    // Not YAML at all.
    let err = heat.validate_template(&Template::Body("heat_template_version: [".into()), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(!err.message().is_empty());
    // A parameter out of its range.
    let err = heat.create_stack(&CreateStack::new(&stack_name(), TEMPLATE).parameter("length", "2")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    // A name in use.
    let name = stack_name();
    heat.create_stack(&CreateStack::new(&name, TEMPLATE)).await.unwrap();
    let dup = heat.create_stack(&CreateStack::new(&name, TEMPLATE)).await.unwrap_err();
    assert!(matches!(dup.kind(), ErrorKind::AlreadyExists | ErrorKind::Conflict), "{dup}");
    heat.delete_stack(&name).await.unwrap();
    // Bad input never leaves the client.
    for err in [
        heat.create_stack(&CreateStack::new("9lives", TEMPLATE)).await.unwrap_err(),
        heat.create_stack(&CreateStack::new("ok", "")).await.unwrap_err(),
        heat.get_stack("..").await.unwrap_err(),
        heat.validate_template(&Template::Url("ftp://example.test/t.yaml".into()), None).await.unwrap_err(),
    ] {
        assert_eq!((err.kind(), err.http_status()), (ErrorKind::InvalidInput, None), "{err}");
    }
}

#[tokio::test]
async fn an_application_credential_session_is_told_to_use_a_password() {
    common::require_service("orchestration");
    let heat = common::session().await.heat();
    let err = heat.create_stack(&CreateStack::new(&stack_name(), TEMPLATE)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert_eq!(err.http_status(), None, "refused before sending");
    assert!(err.message().contains("password"), "the message names the fix: {err}");
    assert!(err.message().contains("application credential"), "{err}");
    let err = heat.update_stack("any", &CreateStack::new("any", TEMPLATE)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    // Reading works with the same session.
    let _: Vec<_> = heat.list_stacks().try_collect().await.unwrap();
    assert_eq!(heat.get_stack("no-such-stack").await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn stacks_zones_networks_and_routers_through_the_resource_view() {
    use cloud_core::{CloudClient, ResourceType};
    use cloud_infomaniak_openstack::CreateZone;

    let heat = heat().await;
    common::require_service("dns");
    common::require_service("network");
    let session = heat.session().clone();
    let view = session.resources();

    let stack = heat.create_stack(&CreateStack::new(&stack_name(), TEMPLATE)).await.unwrap();
    let zone = session
        .designate()
        .create_zone(&CreateZone::new(&format!("{}.example.test", common::name("view")), "h@example.test"))
        .await
        .unwrap();
    let net = session.neutron().create_network(&common::name("view-net"), None, false).await.unwrap();
    let router = session.neutron().create_router(&common::name("view-router"), None).await.unwrap();

    let network_kind: Vec<_> = view.list_resources(Some(ResourceType::Network)).try_collect().await.unwrap();
    for (id, kind) in [(&zone.id, "zone"), (&net.id, "network"), (&router.id, "router")] {
        let found = network_kind.iter().find(|r| &r.id == id).unwrap_or_else(|| panic!("{kind} listed"));
        assert_eq!(found.metadata["kind"], kind);
    }
    let stacks: Vec<_> = view.list_resources(Some(ResourceType::Container)).try_collect().await.unwrap();
    assert!(stacks.iter().any(|r| r.id == stack.id && r.metadata["kind"] == "stack"));
    let everything: Vec<_> = view.list_resources(None).try_collect().await.unwrap();
    assert!([&stack.id, &zone.id, &net.id, &router.id].iter().all(|id| everything.iter().any(|r| &&r.id == id)));

    for (id, kind, status) in [
        (&stack.id, "stack", "CREATE_COMPLETE"),
        (&zone.id, "zone", "ACTIVE"),
        (&net.id, "network", "ACTIVE"),
        (&router.id, "router", "ACTIVE"),
    ] {
        let got = view.get_resource(id).await.unwrap();
        assert_eq!((got.metadata["kind"].as_str(), got.status.as_str()), (Some(kind), status), "{got:?}");
        view.delete_resource(id).await.unwrap();
        assert_eq!(view.get_resource(id).await.unwrap_err().kind(), ErrorKind::NotFound, "{kind} deleted");
    }
}
