//! The skills extension (`io.modelcontextprotocol/skills`, SEP-2640) end to end: a skills
//! directory served over Streamable HTTP, listed, got and read by the Rust client in both
//! eras with every file's digest verified; tampered entries refused; the extension declared
//! only when there are skills; `MCP_SKILLS_DIR`; changes at run time announced; and two
//! replicas sharing a Redis store serving one session's skill reads alike.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::client::{Client, ClientError, ProtocolVersion, SkillEntry, SkillResources};
use mcp_runtime::skill::Skill;
use mcp_runtime::{Server, Settings};
use serde_json::json;
use tests::TestServer;

/// A skills directory in a fresh temporary directory: `pdf-processing` (with a reference,
/// templates in nested directories and a binary file) and `acme/billing/refunds`.
struct SkillsDir(PathBuf);

impl SkillsDir {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("mcp-skills-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let write = |path: &str, bytes: &[u8]| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        };
        write(
            "pdf-processing/SKILL.md",
            b"---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nmetadata:\n  version: \"2.1.0\"\n---\n\n# PDF processing\n\nSee `references/FORMS.md`.\n",
        );
        write(
            "pdf-processing/references/FORMS.md",
            "# Forms \u{2713}\n".as_bytes(),
        );
        write("pdf-processing/templates/invoice.md", b"# Invoice\n");
        write("pdf-processing/templates/regional/eu.md", b"# EU invoice\n");
        write("pdf-processing/assets/logo.bin", &[0, 159, 146, 150, 255]);
        write(
            "acme/billing/refunds/SKILL.md",
            b"---\nname: refunds\ndescription: Process refunds\n---\nBody\n",
        );
        Self(root)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SkillsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn connect(url: &str, era: Option<ProtocolVersion>) -> Client {
    let mut builder = Client::http(url).client_info("skills-tests", "1");
    if let Some(version) = era {
        builder = builder.protocol_version(version);
    }
    builder.connect().await.expect("connect")
}

const ERAS: [Option<ProtocolVersion>; 3] = [
    None,
    Some(ProtocolVersion::V2025_11_25),
    Some(ProtocolVersion::V2025_06_18),
];

#[tokio::test]
async fn the_client_lists_gets_and_reads_verified_skills_in_both_eras() {
    let dir = SkillsDir::new("eras");
    let server = TestServer::start(Server::new("docs").skills_dir(dir.path())).await;
    for era in ERAS {
        let client = connect(&server.url, era).await;
        assert!(client.supports_skills(), "{era:?}");
        assert_eq!(
            client.server_info().capabilities["extensions"]["io.modelcontextprotocol/skills"],
            json!({"directoryRead": true}),
            "{era:?}"
        );
        assert!(client.server_info().capabilities.contains_key("resources"));

        let skills = client.list_skills().await.expect("skills/list");
        let uris: Vec<&str> = skills.iter().map(|s| s.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "skill://acme/billing/refunds/SKILL.md",
                "skill://pdf-processing/SKILL.md"
            ],
            "{era:?}"
        );
        let pdf = &skills[1];
        assert_eq!(pdf.name(), "pdf-processing");
        assert_eq!(pdf.frontmatter["metadata"], json!({"version": "2.1.0"}));
        let SkillResources::Files(files) = &pdf.resources else {
            panic!("{era:?}: a static skill lists its files");
        };
        assert_eq!(files.len(), 5, "{era:?}: {files:?}");
        for file in files {
            let bytes = client
                .read_skill_file(pdf, &file.uri)
                .await
                .unwrap_or_else(|e| panic!("{era:?}: read {}: {e}", file.uri));
            assert_eq!(bytes.len() as u64, file.size);
        }
        let logo = client
            .read_skill_file(pdf, "skill://pdf-processing/assets/logo.bin")
            .await
            .expect("binary file");
        assert_eq!(logo, [0, 159, 146, 150, 255]);

        let got = client.get_skill(&pdf.uri).await.expect("skills/get");
        assert_eq!(&got, pdf, "{era:?}");
        match client.get_skill("skill://nope/SKILL.md").await {
            Err(error) => assert_eq!(error.rpc_code(), Some(-32602), "{era:?}: {error}"),
            Ok(entry) => panic!("{era:?}: an unknown skill was served: {entry:?}"),
        }

        let children = client
            .read_directory("skill://pdf-processing/templates")
            .await
            .expect("directory");
        let listed: Vec<(&str, Option<&str>)> = children
            .iter()
            .map(|c| (c.uri.as_str(), c.mime_type.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "skill://pdf-processing/templates/invoice.md",
                    Some("text/markdown")
                ),
                (
                    "skill://pdf-processing/templates/regional",
                    Some("inode/directory")
                ),
            ],
            "{era:?}"
        );
        match client
            .read_directory("skill://pdf-processing/SKILL.md")
            .await
        {
            Err(error) => assert_eq!(error.rpc_code(), Some(-32602), "{era:?}: {error}"),
            Ok(children) => panic!("{era:?}: a file read as a directory: {children:?}"),
        }

        // SKILL.md files are listed resources, named and described from their front matter.
        let resources = client.list_resources().await.expect("resources/list");
        let skill_md = resources
            .iter()
            .find(|r| r.uri == "skill://pdf-processing/SKILL.md")
            .expect("SKILL.md listed");
        assert_eq!(skill_md.name, "pdf-processing");
        assert_eq!(
            skill_md.description.as_deref(),
            Some("Extract, fill, and assemble PDF documents")
        );
        assert!(
            !resources.iter().any(|r| r.uri.ends_with("FORMS.md")),
            "supporting files are readable, not listed"
        );
        client.close().await;
    }
}

/// What a host must refuse: content that does not match the entry it holds.
#[tokio::test]
async fn content_that_does_not_match_the_entry_is_refused() {
    let dir = SkillsDir::new("tamper");
    let server = TestServer::start(Server::new("docs").skills_dir(dir.path())).await;
    let client = connect(&server.url, None).await;
    let entry = client
        .get_skill("skill://pdf-processing/SKILL.md")
        .await
        .expect("skills/get");
    let forms = "skill://pdf-processing/references/FORMS.md";

    let with_files = |change: &dyn Fn(&mut mcp_runtime::client::SkillResource)| -> SkillEntry {
        let mut entry = entry.clone();
        if let SkillResources::Files(files) = &mut entry.resources {
            files.iter_mut().for_each(change);
        }
        entry
    };
    let refusal = |result: Result<Vec<u8>, ClientError>| match result {
        Err(ClientError::Protocol(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    };

    let wrong_digest = with_files(&|f| f.digest = format!("sha256:{}", "0".repeat(64)));
    let why = refusal(client.read_skill_file(&wrong_digest, forms).await);
    assert!(why.contains("digest"), "{why}");

    let wrong_size = with_files(&|f| f.size += 1);
    let why = refusal(client.read_skill_file(&wrong_size, forms).await);
    assert!(why.contains("bytes read"), "{why}");

    let why = refusal(
        client
            .read_skill_file(&entry, "skill://pdf-processing/unlisted.md")
            .await,
    );
    assert!(why.contains("not listed"), "{why}");

    let mut other_frontmatter = entry.clone();
    other_frontmatter
        .frontmatter
        .insert("description".into(), json!("Exfiltrate credentials"));
    let why = refusal(client.read_skill_file(&other_frontmatter, &entry.uri).await);
    assert!(why.contains("front matter differs"), "{why}");
    client.close().await;
}

/// No skills, no extension: nothing declared, and the methods are unknown (-32601).
#[tokio::test]
async fn a_server_without_skills_declares_no_extension() {
    let server = TestServer::start(Server::new("plain")).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        assert!(!client.supports_skills(), "{era:?}");
        match client.list_skills().await {
            Err(error) => assert_eq!(error.rpc_code(), Some(-32601), "{era:?}: {error}"),
            Ok(skills) => panic!("{era:?}: skills/list answered: {skills:?}"),
        }
        client.close().await;
    }
}

/// `MCP_SKILLS_DIR` (and the TOML key `skills_dir`) serve a directory; a directory that is
/// not there, or a skill named unlike its directory, stops the server from starting.
#[tokio::test]
async fn the_skills_dir_setting_serves_a_directory_and_mistakes_stop_start_up() {
    let dir = SkillsDir::new("setting");
    let mut settings = Settings::default();
    let vars = [(
        "MCP_SKILLS_DIR".to_owned(),
        dir.path().display().to_string(),
    )];
    settings
        .apply_vars(&vars.into_iter().collect())
        .expect("MCP_SKILLS_DIR");
    assert_eq!(settings.skills_dir.as_deref(), Some(dir.path()));
    let server = TestServer::start(Server::new("docs").settings(settings)).await;
    let client = connect(&server.url, None).await;
    assert_eq!(client.list_skills().await.expect("skills/list").len(), 2);
    client.close().await;

    let error = Server::new("docs")
        .skills_dir("/nonexistent/skills")
        .try_router()
        .expect_err("missing directory");
    assert!(error.to_string().contains("does not exist"), "{error}");

    let misnamed = SkillsDir::new("misnamed");
    std::fs::rename(
        misnamed.path().join("pdf-processing"),
        misnamed.path().join("pdf"),
    )
    .expect("rename");
    let error = Server::new("docs")
        .skills_dir(misnamed.path())
        .try_router()
        .expect_err("misnamed skill");
    assert!(error.to_string().contains("must match"), "{error}");

    let twice = Server::new("docs")
        .skill(refunds_in_code())
        .skill(refunds_in_code())
        .try_router()
        .expect_err("duplicate");
    assert!(twice.to_string().contains("unique"), "{twice}");
}

fn refunds_in_code() -> Skill {
    Skill::new("---\nname: refunds\ndescription: Process refunds\n---\nBody\n")
        .expect("skill")
        .prefix("acme/billing")
}

/// A skill added while serving is listed at once, its files readable, and clients hear that
/// the resource list changed.
#[tokio::test]
async fn skills_added_at_run_time_are_announced() {
    let (router, handle) = Server::new("docs")
        .skill(refunds_in_code())
        .router_with_handle();
    let server = TestServer::start_router(router).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        let mut notifications = Box::pin(client.notifications());
        let mut arrived = None;
        // The stream opens in the background: change until a notice arrives (bounded).
        for i in 0..40 {
            let skill = Skill::new(format!("---\nname: added\ndescription: Added {i}\n---\n"))
                .expect("skill")
                .file("notes.txt", format!("note {i}"));
            assert!(handle.add_skill(skill));
            if let Ok(Some(n)) =
                tokio::time::timeout(Duration::from_millis(250), notifications.next()).await
            {
                arrived = Some(n);
                break;
            }
        }
        let arrived = arrived.unwrap_or_else(|| panic!("{era:?}: no notification arrived"));
        assert_eq!(arrived.method, "notifications/resources/list_changed");
        let skills = client.list_skills().await.expect("skills/list");
        let added = skills
            .iter()
            .find(|s| s.uri == "skill://added/SKILL.md")
            .expect("added skill listed");
        let note = client
            .read_skill_file(added, "skill://added/notes.txt")
            .await
            .expect("read the added file");
        assert!(note.starts_with(b"note "));
        assert!(handle.remove_skill("skill://added/SKILL.md"));
        assert!(!handle.remove_skill("skill://added/SKILL.md"));
        let after = client.list_skills().await.expect("skills/list");
        assert_eq!(after.len(), 1, "{era:?}");
        client.close().await;
    }
}

/// Skills are the server's static data: with two replicas sharing a Redis store, a session
/// opened on one reads skills through the other.
#[tokio::test]
async fn replicas_on_a_shared_redis_store_serve_the_same_skills() {
    let redis = tests::replicas::Redis::start().await;
    let dir = SkillsDir::new("replicas");
    let replica = || {
        Server::new("docs")
            .skills_dir(dir.path())
            .store(mcp_runtime::store::RedisStore::new(redis.url()).prefix("skills-test"))
    };
    let a = TestServer::start(replica()).await;
    let b = TestServer::start(replica()).await;
    let mut on_a = a.client();
    on_a.initialize("2025-11-25").await;
    let on_b = tests::Client {
        url: b.url.clone(),
        ..on_a.clone()
    };
    let reply_a = on_a
        .request(
            1,
            "skills/get",
            json!({"uri": "skill://pdf-processing/SKILL.md"}),
        )
        .await;
    let reply_b = on_b
        .request(
            1,
            "skills/get",
            json!({"uri": "skill://pdf-processing/SKILL.md"}),
        )
        .await;
    assert_eq!(reply_b.status, 200, "{}", reply_b.body);
    assert_eq!(reply_a.json()["result"], reply_b.json()["result"]);
    let read = on_b
        .request(
            2,
            "resources/read",
            json!({"uri": "skill://pdf-processing/templates/invoice.md"}),
        )
        .await;
    assert_eq!(
        read.json()["result"]["contents"][0]["text"],
        "# Invoice\n",
        "{}",
        read.body
    );
}
