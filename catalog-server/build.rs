//! The shapes and vocabularies are embedded with `include_dir!`, which cargo
//! does not track: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../shapes");
    println!("cargo:rerun-if-changed=../vocabularies");
}
