use super::*;

#[test]
fn display_is_one_line_per_problem() {
    let errors = ConfigErrors {
        file: "config.toml".into(),
        problems: vec![
            Problem::new(
                "server.listen",
                "`x` is not a socket address",
                "e.g. 127.0.0.1:8080",
            ),
            Problem::new("", "cannot read the file", ""),
        ],
    };
    assert_eq!(
        errors.to_string(),
        "config.toml: server.listen: `x` is not a socket address (e.g. 127.0.0.1:8080)\n\
         config.toml: cannot read the file"
    );
}
