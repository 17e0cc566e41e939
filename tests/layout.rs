//! The layout's rules, checked on the source (ARCHITECTURE.md explains them):
//!
//! 1. no import cycle between the top-level modules of `src/` (a module folder or file);
//! 2. no HTTP surface (`src/surfaces/*`) imports another surface, nor the server that mounts
//!    them;
//! 3. the wall clock is read in `src/clock.rs` only (one clock for the whole gateway);
//! 4. unit tests sit in sibling `x_test.rs` files, never in an inline `mod tests { .. }`;
//! 5. no file inside a top-level module imports a sibling that imports it back, except the pairs
//!    listed in [`ALLOWED_PAIRS`], whose module docs say why;
//! 6. the foundations ([`FOUNDATIONS`]) import no module of a higher layer;
//! 7. `manage` (what an admin does, for every front end) imports only the layers below it,
//!    never `state`, `http`, a surface or the server; and only the surfaces and the server
//!    import it.
//!
//! A module "imports" another where its code (not its comments, not its tests) names
//! `crate::other` (or `super::other` for siblings).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Sibling files that may import each other, each pair with the reason in its module docs.
const ALLOWED_PAIRS: &[(&str, &str)] = &[("wire/flat", "wire/xml")];

/// Files that are not modules of the library (the binary and the internals index).
const NOT_MODULES: &[&str] = &["lib", "internals", "bin"];

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = top_level_graph();
    assert!(graph.len() > 10, "read too few modules: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between top-level modules of src/: {}",
            cycle.join(" -> ")
        );
    }
}

/// The foundations of ARCHITECTURE.md's layer table: they import nothing but each other.
const FOUNDATIONS: &[&str] = &[
    "clock", "crypto", "wire", "metrics", "store", "logging", "config", "simulate",
];

#[test]
fn foundations_import_only_foundations() {
    let graph = top_level_graph();
    let mut problems = Vec::new();
    for name in FOUNDATIONS {
        let used = graph
            .get(*name)
            .unwrap_or_else(|| panic!("no module {name} in src/"));
        for other in used.iter().filter(|m| !FOUNDATIONS.contains(&m.as_str())) {
            problems.push(format!("{name} uses crate::{other}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn surfaces_import_neither_each_other_nor_the_server() {
    let surfaces = src().join("surfaces");
    let mut names: Vec<String> = fs::read_dir(&surfaces)
        .unwrap()
        .map(|entry| module_name(&entry.unwrap().path()))
        .filter(|name| name != "mod")
        .collect();
    names.sort();
    assert!(names.contains(&"callback".to_string()), "{names:?}");
    let mut problems = Vec::new();
    for name in &names {
        for (file, code) in module_files(&surfaces, name) {
            for used in crate_paths(&code) {
                if used == "server" {
                    problems.push(format!("{file}: uses crate::server"));
                }
            }
            for other in names.iter().filter(|other| *other != name) {
                if code.contains(&format!("surfaces::{other}")) {
                    problems.push(format!("{file}: uses the {other} surface"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// What `manage` may import: the push layer's accounts, the WeChat API, the store, and the
/// foundations it needs.
const MANAGE_MAY_IMPORT: &[&str] = &["account", "api", "store", "config", "clock"];

#[test]
fn manage_sits_between_the_services_and_the_surfaces() {
    let graph = top_level_graph();
    let uses = graph.get("manage").expect("src/manage is read");
    let beyond: Vec<&String> = uses
        .iter()
        .filter(|used| !MANAGE_MAY_IMPORT.contains(&used.as_str()))
        .collect();
    assert!(
        beyond.is_empty(),
        "manage may import only {MANAGE_MAY_IMPORT:?}, not {beyond:?}"
    );
    let users: Vec<&String> = graph
        .iter()
        .filter(|(name, used)| {
            used.contains("manage") && !["surfaces", "server"].contains(&name.as_str())
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        users.is_empty(),
        "only surfaces and the server use manage: {users:?}"
    );
}

#[test]
fn sibling_files_do_not_import_each_other() {
    let mut problems = Vec::new();
    for dir in module_dirs(&src()) {
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs") && !is_test(path))
            .collect();
        let siblings: BTreeSet<String> = files.iter().map(|path| module_name(path)).collect();
        for path in &files {
            let code = code_of(path);
            let name = module_name(path);
            let used = uses.entry(name.clone()).or_default();
            for sibling in siblings.iter().filter(|sibling| **sibling != name) {
                let crate_path = format!(
                    "{}::{sibling}",
                    dir.strip_prefix(src())
                        .unwrap()
                        .to_string_lossy()
                        .replace('/', "::")
                );
                if code.contains(&format!("super::{sibling}"))
                    || code.contains(&format!("crate::{crate_path}"))
                {
                    used.insert(sibling.clone());
                }
            }
        }
        for (a, used) in &uses {
            for b in used {
                if a < b && uses.get(b).is_some_and(|back| back.contains(a)) {
                    let rel = dir
                        .strip_prefix(src())
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    let pair = (format!("{rel}/{a}"), format!("{rel}/{b}"));
                    if !ALLOWED_PAIRS.contains(&(pair.0.as_str(), pair.1.as_str())) {
                        problems.push(format!("{} <-> {}", pair.0, pair.1));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "sibling files import each other: {problems:#?}"
    );
}

#[test]
fn the_wall_clock_is_read_in_clock_rs_only() {
    let readers: Vec<String> = rust_files(&src())
        .into_iter()
        .filter(|path| !is_test(path) && *path != src().join("clock.rs"))
        .filter(|path| code_of(path).contains("SystemTime::now"))
        .map(|path| path.display().to_string())
        .collect();
    assert!(readers.is_empty(), "use crate::clock instead: {readers:#?}");
}

#[test]
fn unit_tests_sit_in_sibling_test_files() {
    let handlers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("handlers")
        .join("src");
    let inline: Vec<String> = [src(), handlers]
        .iter()
        .flat_map(|root| rust_files(root))
        .filter(|path| {
            fs::read_to_string(path)
                .unwrap()
                .lines()
                .any(|line| line.trim_start().starts_with("mod tests {"))
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        inline.is_empty(),
        "move these tests to a sibling x_test.rs (#[path = \"x_test.rs\"] mod tests;): {inline:#?}"
    );
}

#[test]
fn the_checks_see_a_cycle_when_there_is_one() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
    graph.get_mut("c").unwrap().insert("a".to_string());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let code = code_of_text(
        "//! [`crate::server`]\nuse crate::state::State; // crate::x\n/* crate::y */\n\
         #[cfg(test)]\nuse crate::t;\n#[cfg(test)]\n#[path = \"x\"]\nmod m;\nuse crate::u;\n\
         #[cfg(test)]\nmod tests { use crate::z; }\n",
    );
    assert_eq!(
        crate_paths(&code),
        BTreeSet::from(["state".to_string(), "u".to_string()])
    );
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Each top-level module and the top-level modules its code names.
fn top_level_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let modules: BTreeSet<String> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| module_name(&entry.unwrap().path()))
        .filter(|name| !NOT_MODULES.contains(&name.as_str()) && !name.ends_with("_test"))
        .collect();
    modules
        .iter()
        .map(|name| {
            let used = module_files(&root, name)
                .into_iter()
                .flat_map(|(_, code)| crate_paths(&code))
                .filter(|used| used != name && modules.contains(used))
                .collect();
            (name.clone(), used)
        })
        .collect()
}

/// The first cycle found, as a path that ends where it starts.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The name a file or folder gives its module.
fn module_name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

fn is_test(path: &Path) -> bool {
    let name = module_name(path);
    name.ends_with("_test") || name == "tests" || name.starts_with("test_")
}

/// The code (see [`code_of`]) of every non-test file of module `name` in `dir`.
fn module_files(dir: &Path, name: &str) -> Vec<(String, String)> {
    let file = dir.join(format!("{name}.rs"));
    let folder = dir.join(name);
    let mut files = Vec::new();
    if file.is_file() {
        files.push(file);
    }
    if folder.is_dir() {
        files.extend(
            rust_files(&folder)
                .into_iter()
                .filter(|path| !is_test(path)),
        );
    }
    files
        .into_iter()
        .map(|path| (path.display().to_string(), code_of(&path)))
        .collect()
}

/// Every `.rs` file below `root`.
fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// Every folder below `root` that holds Rust files (module folders), `bin` excepted.
fn module_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && module_name(&path) != "bin" {
                dirs.push(path.clone());
                stack.push(path);
            }
        }
    }
    dirs
}

/// A file's code: without comments, without an inline `mod tests { .. }` and without the
/// items marked `#[cfg(test)]` (a test module's declaration, a test-only import).
fn code_of(path: &Path) -> String {
    code_of_text(&fs::read_to_string(path).unwrap())
}

fn code_of_text(text: &str) -> String {
    let mut code = String::new();
    let mut in_block = false;
    let mut test_item = false;
    for line in text.lines() {
        let mut line = line;
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            test_item = true;
            continue;
        }
        if test_item {
            if trimmed.starts_with("#[") {
                continue;
            }
            if trimmed.starts_with("mod tests {") {
                break;
            }
            test_item = false;
            continue;
        }
        if in_block {
            match line.find("*/") {
                Some(end) => {
                    line = &line[end + 2..];
                    in_block = false;
                }
                None => continue,
            }
        }
        if let Some(start) = line.find("/*") {
            in_block = !line[start..].contains("*/");
            line = &line[..start];
        }
        let line = line.split("//").next().unwrap_or_default();
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The top-level modules named by `crate::x` in `code`, also inside `use crate::{x, y::z}`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let head: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    found.insert(head);
                }
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !head.is_empty() {
                found.insert(head);
            }
        }
    }
    found
}
