use super::*;

#[test]
fn a_failure_carries_its_message() {
    let outcome = Outcome::failed(format!("db: {}", "timeout"));
    assert_eq!(outcome, Outcome::Failed(HandlerError::new("db: timeout")));
    let Outcome::Failed(error) = outcome else {
        unreachable!()
    };
    assert_eq!(error.message(), "db: timeout");
    assert_eq!(error.to_string(), "db: timeout");
    assert_eq!(
        Outcome::from(HandlerError::new("x")),
        Outcome::Failed(HandlerError::new("x"))
    );
}
