//! Every misuse of `#[tool]`, `#[resource]` and `#[prompt]` is a compile error at the
//! offending span; the expected compiler output is checked in next to each case under
//! `tests/ui/`.

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
