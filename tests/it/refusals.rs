//! The throttle of anonymous refusals holds for the whole node: two node processes on one
//! database (behind one load balancer) share one count per client address.

use ent_tests::client::Page;

fn refused(page: &Page, status: u16) {
    assert_eq!(page.status, status, "{page:?}");
}

#[tokio::test]
async fn two_processes_on_one_database_share_the_refusal_count_of_an_address() {
    let app = ent_tests::spawn_app().await;
    // A second process of the same node: same configuration, same database, own memory.
    let config = (*app.state.config).clone();
    let other = ent_node::server::prepare(config)
        .await
        .expect("second process");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = ent_node::server::Running::start(other, listener).expect("started");
    let first = app.client();
    let second = ent_tests::TestClient::new(&format!("http://{}", running.addr));
    let limit = ent_node::ops::refusals::PER_ADDRESS;
    let bogus = [("home", "faux.test")];
    // The same address, half of its refusals on each process.
    for i in 0..limit {
        let client = if i % 2 == 0 { &first } else { &second };
        refused(
            &client.submit("/connexion", "/connexion/ent", &bogus).await,
            403,
        );
    }
    for client in [&first, &second] {
        let page = client.submit("/connexion", "/connexion/ent", &bogus).await;
        refused(&page, 429);
        assert!(page.body.contains("Trop de tentatives"), "{}", page.body);
    }
    running.stop().await;
    app.stop().await;
}
