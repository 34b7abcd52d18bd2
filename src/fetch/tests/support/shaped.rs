//! A fake API of any shape: its records in any member, paged by page
//! number, offset, cursor, `Link` header or next URL, honest or lying on
//! demand (loops, foreign next pages, a stated total that is wrong, a
//! record dropped, no end), with a budget it announces and enforces in
//! the run's fake time when asked.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::fetch::events::{EventKind, FetchEvent};
use crate::fetch::fetcher::{FetchConfig, FetchOutcome};
use crate::fetch::services::{
    HttpResponse, PageRequest, ResponseFuture, Transport, TransportError,
};
use crate::fetch::store::PageStore;
use futures::FutureExt;

use super::rated::ApiBudget;
use super::{fetch_on, AfterPolls, FakeStore, FakeTime, ScriptedApi};

/// How the fake pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paging {
    /// `page=N&per_page=M` under these names.
    Page(&'static str, &'static str),
    /// `offset=N&limit=M`.
    Offset,
    /// HubSpot's: `paging.next.after`, sent back as `after`.
    Cursor,
    /// Shopify's: `Link: <…page_info=…>; rel="next"`.
    Link,
    /// `"next": "<url>"` in the body.
    NextUrl,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Received {
    pub(crate) url: String,
    pub(crate) api_key: Option<String>,
    pub(crate) key_header: Option<(String, String)>,
}

pub(crate) struct ShapedApi {
    pub(crate) origin: String,
    pub(crate) paging: Paging,
    pub(crate) records: Vec<String>,
    /// The page size when the request names none.
    pub(crate) per_page: usize,
    /// The member holding the records (`data`, `customers`, `results`).
    pub(crate) member: &'static str,
    /// `total` as stated (`None`: not stated).
    pub(crate) stated_total: Option<u64>,
    /// Page `n` (from 1) points back to the start of page `m`: a loop.
    pub(crate) loop_back: Option<(u64, u64)>,
    /// Page `n` points to another origin.
    pub(crate) foreign_next: Option<u64>,
    /// Page `n` silently leaves out its last record.
    pub(crate) drop_last_on: Option<u64>,
    /// Past the end, empty pages that always point further.
    pub(crate) endless: bool,
    /// Requests for page `n` answer this status first, once each.
    pub(crate) fail_first: RefCell<HashMap<u64, Vec<u16>>>,
    /// The `Retry-After` of those answers (which then announce no budget).
    pub(crate) fail_retry_after: Option<String>,
    pub(crate) received: RefCell<Vec<Received>>,
    /// Announce `X-RateLimit-Remaining` for this many requests a window,
    /// resetting after `reset_secs`.
    pub(crate) window: Option<usize>,
    pub(crate) reset_secs: u64,
    /// A budget announced and enforced (429 past it) in `time`.
    pub(crate) budget: Option<ApiBudget>,
    /// The run's fake time (the budget's clock).
    pub(crate) time: Rc<FakeTime>,
    /// Answers take a few polls each (varying), so requests overlap.
    pub(crate) slow_answers: bool,
}

impl ShapedApi {
    pub(crate) fn new(paging: Paging, total: usize, per_page: usize, member: &'static str) -> Self {
        ShapedApi {
            origin: "https://api.test".into(),
            paging,
            records: (1..=total).map(ScriptedApi::record).collect(),
            per_page,
            member,
            stated_total: None,
            loop_back: None,
            foreign_next: None,
            drop_last_on: None,
            endless: false,
            fail_first: RefCell::new(HashMap::new()),
            fail_retry_after: None,
            received: RefCell::new(Vec::new()),
            window: None,
            reset_secs: 0,
            budget: None,
            time: Rc::new(FakeTime::default()),
            slow_answers: false,
        }
    }

    pub(crate) fn requests(&self) -> usize {
        self.received.borrow().len()
    }

    fn param(url: &str, name: &str) -> Option<String> {
        let query = url.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    fn token(start: usize) -> String {
        format!("cur-{start}")
    }

    fn start_of(token: &str) -> usize {
        token
            .strip_prefix("cur-")
            .and_then(|n| n.parse().ok())
            .expect("a token this fake gave")
    }

    /// The page's start and size, as the request names them.
    fn position(&self, url: &str) -> (usize, usize) {
        let number = |name: &str| Self::param(url, name).and_then(|v| v.parse::<usize>().ok());
        match self.paging {
            Paging::Page(page, size) => {
                let size = number(size).unwrap_or(self.per_page);
                ((number(page).unwrap_or(1) - 1) * size, size)
            }
            Paging::Offset => (
                number("offset").unwrap_or(0),
                number("limit").unwrap_or(self.per_page),
            ),
            Paging::Cursor | Paging::Link | Paging::NextUrl => {
                let name = match self.paging {
                    Paging::Cursor => "after",
                    Paging::Link => "page_info",
                    _ => "cursor",
                };
                let start = Self::param(url, name).map_or(0, |t| Self::start_of(&t));
                (start, number("limit").unwrap_or(self.per_page))
            }
        }
    }

    /// The budget headers of the request just received.
    fn rate(&self) -> crate::fetch::budget::RateHeaders {
        let mut rate = crate::fetch::budget::RateHeaders::default();
        if let Some(window) = self.window {
            let n = self.received.borrow().len();
            rate.remaining = Some((window - 1 - (n - 1) % window).to_string());
            rate.reset = Some(self.reset_secs.to_string());
        }
        rate
    }

    fn answer(&self, url: &str) -> HttpResponse {
        if let Some(budget) = &self.budget {
            use crate::common::clock::Clock;
            let (allowed, rate) = budget.admit(self.time.now());
            if !allowed {
                return HttpResponse {
                    status: 429,
                    retry_after: None,
                    location: None,
                    link: None,
                    rate,
                    body: br#"{"error":"over budget"}"#.to_vec(),
                };
            }
            return HttpResponse {
                rate,
                ..self.shaped(url)
            };
        }
        self.shaped(url)
    }

    fn shaped(&self, url: &str) -> HttpResponse {
        let (start, size) = self.position(url);
        let page = (start / size.max(1)) as u64 + 1;
        if let Some(status) = self
            .fail_first
            .borrow_mut()
            .get_mut(&page)
            .and_then(Vec::pop)
        {
            return HttpResponse {
                status,
                retry_after: self.fail_retry_after.clone(),
                location: None,
                link: None,
                rate: match self.fail_retry_after {
                    Some(_) => Default::default(),
                    None => self.rate(),
                },
                body: br#"{"error":"scripted"}"#.to_vec(),
            };
        }
        let end = (start + size).min(self.records.len());
        let mut records: Vec<String> = self.records[start.min(end)..end].to_vec();
        if self.drop_last_on == Some(page) {
            records.pop();
        }
        let next_start = match self.loop_back {
            Some((from, to)) if from == page => Some((to as usize - 1) * size),
            _ if end < self.records.len() => Some(end),
            _ if self.endless => Some(start + size),
            _ => None,
        };
        let origin = match self.foreign_next {
            Some(at) if at == page => "https://evil.test",
            _ => self.origin.as_str(),
        };
        let mut members = vec![format!(r#""{}":[{}]"#, self.member, records.join(","))];
        if let Some(total) = self.stated_total {
            members.push(format!(r#""total":{total}"#));
        }
        let mut link = None;
        match (self.paging, next_start) {
            (Paging::Cursor, Some(next)) => members.push(format!(
                r#""paging":{{"next":{{"after":"{}","link":"x"}}}}"#,
                Self::token(next)
            )),
            (Paging::NextUrl, next) => members.push(match next {
                Some(next) => format!(
                    r#""next":"{origin}/items?cursor={}&limit={size}""#,
                    Self::token(next)
                ),
                None => r#""next":null"#.into(),
            }),
            (Paging::Link, Some(next)) => {
                link = Some(format!(
                    r#"<{origin}/admin/customers.json?limit={size}&page_info={}>; rel="next""#,
                    Self::token(next)
                ));
                if start > 0 {
                    link = link.map(|next| {
                        format!(
                            r#"<{origin}/admin/customers.json?limit={size}&page_info=cur-0>; rel="previous", {next}"#
                        )
                    });
                }
            }
            _ => {}
        }
        HttpResponse {
            status: 200,
            retry_after: None,
            location: None,
            link,
            rate: self.rate(),
            body: format!("{{{}}}", members.join(",")).into_bytes(),
        }
    }
}

impl Transport for ShapedApi {
    fn get(&self, request: &PageRequest) -> ResponseFuture {
        self.received.borrow_mut().push(Received {
            url: request.url.clone(),
            api_key: request.api_key.clone(),
            key_header: request.key_header.clone(),
        });
        let answer = if request.url.starts_with(&self.origin) {
            Ok(self.answer(&request.url))
        } else {
            Err(TransportError::Network("another origin".into()))
        };
        let polls = if self.slow_answers {
            (self.requests() as u32 * 7) % 5
        } else {
            0
        };
        AfterPolls {
            polls,
            value: Some(answer),
        }
        .boxed_local()
    }
}

/// One run against `api`, with its events.
pub(crate) fn run_shaped(
    api: &ShapedApi,
    config: &FetchConfig,
    store: Option<Rc<FakeStore>>,
) -> (FetchOutcome, Vec<FetchEvent>) {
    let time = &*api.time;
    let events = RefCell::new(Vec::new());
    let on_event = |event: &FetchEvent| {
        if !matches!(event.kind, EventKind::Progress(_)) {
            events.borrow_mut().push(event.clone());
        }
    };
    let store = store.as_deref().map(|store| store as &dyn PageStore);
    let outcome = fetch_on(api, time, config, store, &on_event);
    (outcome, events.into_inner())
}
