//! The egress guard against a local server on 127.0.0.1: production refuses loopback by name
//! (at connection time, through the resolver) and by literal (before sending), unless the
//! operator allows the block; redirects are not followed; bodies are capped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};
use domain::egress::{Cidr, EgressPolicy, Refused, Restricted};
use infra_egress::{ReadError, check_url, client_builder, read_capped, refusal};

/// A local server counting its requests: `/ok`, `/redirect` (302 to `/ok`), `/big` (100 KiB
/// with a length), `/stream` (100 KiB chunked, no length).
async fn server() -> (u16, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv = HttpServer::new(move || {
        let counter = Arc::clone(&counter);
        App::new()
            .wrap_fn(move |req, next| {
                counter.fetch_add(1, Ordering::SeqCst);
                actix_web::dev::Service::call(&next, req)
            })
            .route(
                "/ok",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
            .route(
                "/redirect",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("location", "/ok"))
                        .finish()
                }),
            )
            .route(
                "/big",
                web::get().to(|| async { HttpResponse::Ok().body(vec![b'x'; 100 * 1024]) }),
            )
            .route(
                "/stream",
                web::get().to(|| async {
                    let chunks = (0..100)
                        .map(|_| Ok::<_, std::io::Error>(web::Bytes::from(vec![b'y'; 1024])));
                    HttpResponse::Ok().streaming(futures_util::stream::iter(chunks))
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(srv);
    (port, hits)
}

#[tokio::test]
async fn production_refuses_loopback_by_name_at_connection_time_and_by_literal_before_sending() {
    let (port, hits) = server().await;
    let strict = EgressPolicy::production(Vec::new());
    let client = client_builder(&strict).build().unwrap();
    let by_name = format!("http://localhost:{port}/ok");
    assert_eq!(
        check_url(&strict, &by_name),
        Ok(()),
        "names are checked when connecting"
    );
    let err = client.get(&by_name).send().await.unwrap_err();
    assert_eq!(
        refusal(&err),
        Some(Refused(Restricted::Loopback)),
        "{err:?}"
    );
    for literal in [
        format!("http://127.0.0.1:{port}/ok"),
        format!("http://0x7f000001:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
    ] {
        assert_eq!(
            check_url(&strict, &literal),
            Err(Refused(Restricted::Loopback)),
            "{literal}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");

    let allowed = EgressPolicy::production(vec![Cidr::parse("127.0.0.0/8").unwrap()]);
    let client = client_builder(&allowed).build().unwrap();
    assert_eq!(
        check_url(&allowed, &format!("http://127.0.0.1:{port}/ok")),
        Ok(())
    );
    let resp = client.get(&by_name).send().await.unwrap();
    assert_eq!(resp.status(), 200, "an allowed block is reachable");
    let dev = client_builder(&EgressPolicy::development())
        .build()
        .unwrap();
    assert_eq!(dev.get(&by_name).send().await.unwrap().status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn redirects_are_not_followed_and_bodies_are_capped() {
    let (port, hits) = server().await;
    let client = client_builder(&EgressPolicy::development())
        .build()
        .unwrap();
    let resp = client
        .get(format!("http://127.0.0.1:{port}/redirect"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the redirect was not followed"
    );
    for path in ["/big", "/stream"] {
        let resp = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(read_capped(resp, 64 * 1024).await, Err(ReadError::TooLarge)),
            "{path}"
        );
        let resp = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            read_capped(resp, 200 * 1024).await.unwrap().len(),
            100 * 1024
        );
    }
}
